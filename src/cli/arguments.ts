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

const RUN_ID = /^[A-Za-z0-9_.:+-]{1,250}$/;

/** `--run-id`: what a run id may hold (it becomes part of log paths). */
export function parseRunId(text: string, flag = "--run-id"): string {
  if (!RUN_ID.test(text)) throw new SwitchyardError("CLI_BAD_ARGUMENT", `${flag} '${text}' is not valid; use 1-250 characters from A-Z a-z 0-9 _ . : + -`);
  return text;
}

/** A regular expression flag such as `--task`. */
export function parseRegex(text: string, flag: string): RegExp {
  try {
    return new RegExp(text);
  } catch (err) {
    throw new SwitchyardError("CLI_BAD_ARGUMENT", `${flag} '${text}' is not a valid regular expression (${(err as Error).message}); e.g. '^extract' or 'load|report'`);
  }
}
