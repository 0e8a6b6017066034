/** Base of every error Switchyard raises on purpose: a literal code plus a message that says what is valid. */
export class SwitchyardError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Turn anything thrown into an Error, once, at the boundary where it is caught. */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === "string") return new Error(thrown);
  try {
    return new Error(JSON.stringify(thrown));
  } catch {
    return new Error(String(thrown));
  }
}

/** The first line of an error's message, for one-line reports. */
export function errorLine(thrown: unknown): string {
  const message = coerceError(thrown).message;
  return message.split("\n", 1)[0] ?? message;
}
