import { SwitchyardError } from "../common/errors.js";

// Parsers for CLI argument values that several commands share; each throws CLI_BAD_ARGUMENT with
// what was wrong and what would be valid.

/** `--conf`: a JSON object handed to the run's tasks as ctx.conf. */
export function parseConf(text: string, flag = "--conf"): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SwitchyardError("CLI_BAD_ARGUMENT", `${flag} is not valid JSON (${(err as Error).message}); pass a JSON object such as '{"date": "2026-01-01"}'`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new SwitchyardError("CLI_BAD_ARGUMENT", `${flag} must be a JSON object such as '{"date": "2026-01-01"}', not ${Array.isArray(value) ? "an array" : JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

/** A date flag such as `--logical-date`, as epoch milliseconds. */
export function parseDate(text: string, flag: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new SwitchyardError("CLI_BAD_ARGUMENT", `${flag} '${text}' is not a date; use ISO-8601 such as 2026-01-01T00:00:00Z`);
  }
  return ms;
}
