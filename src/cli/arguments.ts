import fs from "node:fs";
import { Option } from "commander";
import { SwitchyardError, errorLine } from "../common/errors.js";
import { queueNameProblem, workerNameProblem } from "../common/fleet-names.js";

// Parsers for CLI argument values that several commands share; each throws CLI_BAD_ARGUMENT with
// what was wrong and what would be valid.

/** Deeper than this a conf is refused: JSON.stringify (storing it, sending it to a runner) overflows the stack long before JSON.parse does. */
export const MAX_CONF_DEPTH = 100;

const CONF_EXAMPLE = `'{"date": "2026-01-01"}'`;
const TOO_DEEP = "too deeply nested; use --conf-file FILE or --conf - to read it from a file or stdin";

/** `--conf`: a JSON object handed to the run's tasks as ctx.conf. */
export function parseConf(text: string, flag = "--conf"): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    if (err instanceof RangeError) throw new SwitchyardError("CLI_BAD_ARGUMENT", `${flag} is ${TOO_DEEP}`);
    throw new SwitchyardError("CLI_BAD_ARGUMENT", `${flag} is not valid JSON (${errorLine(err)}); pass a JSON object such as ${CONF_EXAMPLE}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new SwitchyardError("CLI_BAD_ARGUMENT", `${flag} must be a JSON object such as ${CONF_EXAMPLE}, not ${Array.isArray(value) ? "an array" : JSON.stringify(value)}`);
  }
  if (depthOf(value) > MAX_CONF_DEPTH) {
    // Not TOO_DEEP's advice: a file or stdin does not lift this limit, which keeps every later JSON.stringify of the conf safe.
    throw new SwitchyardError("CLI_BAD_ARGUMENT", `${flag} is too deeply nested (more than ${MAX_CONF_DEPTH} levels of objects and arrays); nest it at most ${MAX_CONF_DEPTH} deep`);
  }
  return value as Record<string, unknown>;
}

/** Nesting depth of parsed JSON, walked without recursion (the value may be deeper than the stack). */
function depthOf(root: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== "object") continue;
    max = Math.max(max, depth);
    if (max > MAX_CONF_DEPTH) return max;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return max;
}

/** `-c, --conf <json>` (`-` reads stdin) and `--conf-file <file>`, for commands that take a conf; read them with readConf. */
export function confOptions(): Option[] {
  return [
    new Option("-c, --conf <json>", "JSON object passed to the run's tasks as ctx.conf ('-' reads it from stdin)"),
    new Option("--conf-file <file>", "read the conf JSON object from a file (for confs too large or deep for the command line)"),
  ];
}

/** The conf given by --conf, --conf - (stdin) or --conf-file, or {} when none is. */
export function readConf(opts: { conf?: string; confFile?: string }): Record<string, unknown> {
  if (opts.conf !== undefined && opts.confFile !== undefined) {
    throw new SwitchyardError("CLI_BAD_ARGUMENT", "--conf and --conf-file both give the conf; pass one of them");
  }
  if (opts.confFile !== undefined) return parseConf(readText(opts.confFile, `--conf-file ${opts.confFile}`), `--conf-file ${opts.confFile}`);
  if (opts.conf === "-") return parseConf(readText(0, "--conf - (stdin)"), "--conf - (stdin)");
  return opts.conf === undefined ? {} : parseConf(opts.conf);
}

function readText(file: string | 0, what: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new SwitchyardError("CLI_BAD_ARGUMENT", `${what} cannot be read (${errorLine(err)}); give a readable file holding a JSON object`);
  }
}

// Hand-checked rather than with zod's ISO schemas: this module is loaded by every command's
// definition, and `--version` must not pay for loading zod.
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))?)?$/;

/** True when every field of an ISO-8601 date (and time and offset, when given) is in range for the calendar. */
function inCalendar(m: RegExpExecArray): boolean {
  const n = (i: number): number => Number(m[i] ?? 0);
  const [year, month, day] = [n(1), n(2), n(3)];
  const d = new Date(Date.UTC(2000, month - 1, day));
  d.setUTCFullYear(year);
  return d.getUTCMonth() === month - 1 && d.getUTCDate() === day && n(4) < 24 && n(5) < 60 && n(6) < 60 && n(8) < 24 && n(9) < 60;
}

const DATE_EXAMPLE = "use ISO-8601 such as 2026-01-01 or 2026-01-01T00:00:00Z";

/**
 * A date flag such as `--logical-date`, as epoch milliseconds: ISO-8601 only, checked against the
 * calendar (Date.parse rolls 2026-02-30 over to March 2 and takes year 0000 and expanded years).
 */
export function parseDate(text: string, flag: string): number {
  const bad = (why: string) => new SwitchyardError("CLI_BAD_ARGUMENT", `${flag} '${text}' ${why}; ${DATE_EXAMPLE}`);
  if (/^[+-]\d/.test(text)) throw bad("has a signed year; use a four-digit year from 0001 to 9999");
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) throw bad("is not an ISO-8601 date");
  if (text.startsWith("0000")) throw bad("is in year 0000; use a four-digit year from 0001 to 9999");
  const ms = Date.parse(text);
  const m = ISO_DATE.exec(text);
  if (m === null || !inCalendar(m) || Number.isNaN(ms)) throw bad("is not a calendar date (or its time or offset is out of range)");
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

/** The most slots a pool may have: the database column is a 32-bit integer on PostgreSQL. */
export const MAX_POOL_SLOTS = 2 ** 31 - 1;

/** `pools set <name> <slots>`: an integer from 0 to MAX_POOL_SLOTS, or -1 for unlimited, written in plain decimal. */
export function parsePoolSlots(text: string, what = "slots"): number {
  // Number() would take "", "0x10", "1e20" and round 2^53+1: only plain decimal digits are slots.
  const n = /^(-1|0|[1-9]\d{0,9})$/.test(text) ? Number(text) : NaN;
  if (!(n <= MAX_POOL_SLOTS)) {
    throw new SwitchyardError("CLI_BAD_ARGUMENT", `${what} '${text}' is not valid; use an integer from 0 to ${MAX_POOL_SLOTS}, or -1 for an unlimited pool`);
  }
  return n;
}

/** `worker --queues`: a comma-separated list of queue names, each valid (see common/fleet-names.ts); duplicates dropped. */
export function parseQueues(text: string, flag = "--queues"): string[] {
  const example = `write a comma-separated list of queue names, e.g. ${flag} default,io`;
  if (text.trim() === "") throw new SwitchyardError("CLI_BAD_ARGUMENT", `${flag} is empty; ${example}`);
  const queues = text.split(",").map((q) => q.trim());
  for (const queue of queues) {
    const problem = queueNameProblem(queue);
    if (problem !== null) {
      const which = queue === "" ? "has an empty queue name (two commas, or one at an end)" : `queue ${JSON.stringify(queue)} ${problem}`;
      throw new SwitchyardError("CLI_BAD_ARGUMENT", `${flag} ${JSON.stringify(text)}: ${which}; ${example}`);
    }
  }
  return [...new Set(queues)];
}

/** `worker --name`: see common/fleet-names.ts. */
export function parseWorkerName(text: string, flag = "--name"): string {
  const problem = workerNameProblem(text);
  if (problem !== null) throw new SwitchyardError("CLI_BAD_ARGUMENT", `${flag} ${JSON.stringify(text)} ${problem}; use 1-100 characters from A-Z a-z 0-9 _ - . @`);
  return text;
}
