/** metav1.Status bodies and the error that carries one to the HTTP layer. */

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusBody {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: StatusBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(status.message);
  }
  get code(): number {
    return this.status.code;
  }
}

function status(code: number, reason: string, message: string, details?: StatusBody["details"]): StatusBody {
  const body: StatusBody = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
  if (details !== undefined) body.details = details;
  return body;
}

export const Errors = {
  notFound: (resource: string, name: string) =>
    new ApiError(status(404, "NotFound", `${resource} "${name}" not found`, { name, kind: resource })),
  /** A path nothing serves. */
  noRoute: () => new ApiError(status(404, "NotFound", "the server could not find the requested resource", {})),
  alreadyExists: (resource: string, name: string) =>
    new ApiError(status(409, "AlreadyExists", `${resource} "${name}" already exists`, { name, kind: resource })),
  conflict: (resource: string, name: string, why = "the object has been modified; please apply your changes to the latest version and try again") =>
    new ApiError(status(409, "Conflict", `Operation cannot be fulfilled on ${resource} "${name}": ${why}`, { name, kind: resource })),
  badRequest: (message: string) => new ApiError(status(400, "BadRequest", message)),
  /** 422 as field validation reports it: one cause per field error; details.kind is the Kind ("Pod"), not the resource. */
  invalid: (kind: string, name: string, causes: StatusCause[]) => {
    const lines = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
    const list = lines.length === 1 ? lines[0] : `[${lines.join(", ")}]`;
    return new ApiError(status(422, "Invalid", `${kind} "${name}" is invalid: ${list}`, { name, kind, causes }));
  },
  /** 410 for a resourceVersion older than the kept history. */
  expired: (requested: number, oldest: number) =>
    new ApiError(status(410, "Expired", `too old resource version: ${requested} (${oldest})`)),
  methodNotAllowed: () =>
    new ApiError(status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")),
  unsupportedMediaType: (type: string) =>
    new ApiError(
      status(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${JSON.stringify(type)})`),
    ),
  notAcceptable: () =>
    new ApiError(status(406, "NotAcceptable", "only the following media types are accepted: application/json")),
  tooManyRequests: (retryAfterSeconds: number) =>
    new ApiError(status(429, "TooManyRequests", "Too many requests, please try again later.", { retryAfterSeconds }), {
      "Retry-After": String(retryAfterSeconds),
    }),
  internal: (message: string) =>
    new ApiError(status(500, "InternalError", `Internal error occurred: ${message}`, { causes: [{ reason: "", message }] })),
  unavailable: (retryAfterSeconds: number) =>
    new ApiError(status(503, "ServiceUnavailable", "the server is currently unable to handle the request", { retryAfterSeconds }), {
      "Retry-After": String(retryAfterSeconds),
    }),
} as const;

/** Coerces anything thrown by a handler to the Status the client sees. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return Errors.internal(message);
}
