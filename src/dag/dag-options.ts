import type { DagOptions } from "./types.js";
import { DATE_FORMS, parseDagDate } from "./dates.js";
import { describeValue } from "./ids.js";
import { scheduleProblem } from "./schedule.js";
import { isPlainObject, taskOptionProblems } from "./task-options.js";

export const DAG_OPTION_NAMES = [
  "schedule",
  "startDate",
  "endDate",
  "catchup",
  "maxActiveTasks",
  "maxActiveRuns",
  "defaults",
  "description",
  "tags",
  "isPausedUponCreation",
] as const satisfies readonly (keyof DagOptions)[];

const OPTION_NAMES: ReadonlySet<string> = new Set(DAG_OPTION_NAMES);

/** Every problem with a DAG's options, one line each; empty when valid. `undefined` values count as unset. */
export function dagOptionProblems(options: unknown): string[] {
  if (options === undefined) return [];
  if (!isPlainObject(options)) return [`DAG options must be an object, got ${describeValue(options)}`];
  const problems: string[] = [];
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) problems.push(`unknown DAG option '${name}'; valid DAG options: ${DAG_OPTION_NAMES.join(", ")}`);
  }
  const o = options as Record<string, unknown>;
  const schedule = scheduleProblem(o.schedule);
  if (schedule !== null) problems.push(schedule);

  const start = dateOption("startDate", o.startDate, problems);
  const end = dateOption("endDate", o.endDate, problems);
  if (typeof o.schedule === "string" && schedule === null && o.startDate === undefined) {
    problems.push(`schedule '${o.schedule}' needs a startDate (the first logical date it may produce); set startDate, or use schedule: null for manual runs only`);
  }
  if (start !== null && end !== null && end < start) {
    problems.push(`endDate ${end.toISOString()} is before startDate ${start.toISOString()}`);
  }
  for (const name of ["maxActiveTasks", "maxActiveRuns"] as const) {
    const value = o[name];
    if (value !== undefined && !(typeof value === "number" && Number.isInteger(value) && value >= 1)) {
      problems.push(`DAG option '${name}' must be an integer >= 1, got ${describeValue(value)}`);
    }
  }
  for (const name of ["catchup", "isPausedUponCreation"] as const) {
    const value = o[name];
    if (value !== undefined && typeof value !== "boolean") problems.push(`DAG option '${name}' must be true or false, got ${describeValue(value)}`);
  }
  if (o.description !== undefined && typeof o.description !== "string") {
    problems.push(`DAG option 'description' must be a string, got ${describeValue(o.description)}`);
  }
  if (o.tags !== undefined && !(Array.isArray(o.tags) && o.tags.every((t) => typeof t === "string"))) {
    problems.push(`DAG option 'tags' must be an array of strings, got ${describeValue(o.tags)}`);
  }
  for (const problem of taskOptionProblems(o.defaults)) problems.push(`defaults: ${problem}`);
  return problems;
}

function dateOption(name: string, value: unknown, problems: string[]): Date | null {
  if (value === undefined) return null;
  const date = parseDagDate(value);
  if (date === null) problems.push(`DAG option '${name}' ${describeValue(value)} is not a valid date; use ${DATE_FORMS}`);
  return date;
}
