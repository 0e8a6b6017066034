import { CronExpressionParser } from "cron-parser";
import { InvalidScheduleError } from "./errors.js";
import { parseDagDate } from "./dates.js";

/** Presets as in Airflow; each but `@once` is shorthand for a cron expression. */
export const SCHEDULE_PRESETS = {
  "@once": null,
  "@hourly": "0 * * * *",
  "@daily": "0 0 * * *",
  "@weekly": "0 0 * * 0",
  "@monthly": "0 0 1 * *",
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
} as const;
export type SchedulePreset = keyof typeof SCHEDULE_PRESETS;

const PRESET_NAMES = Object.keys(SCHEDULE_PRESETS).join(", ");
const VALID_FORMS =
  `valid schedules: a cron expression with 5 fields (minute hour day-of-month month day-of-week, e.g. "30 6 * * 1-5") ` +
  `or 6 fields (seconds first), a preset (${PRESET_NAMES}), or null for manual runs only`;

/** What the tick functions need; a SerializedDag fits. */
export interface ScheduleTimetable {
  readonly schedule: string | null;
  readonly startDate?: string | Date | null;
  readonly endDate?: string | Date | null;
}

type CompiledSchedule = { kind: "none" } | { kind: "once" } | { kind: "cron"; cron: string };

/** A problem with a schedule value, or null when it is valid. */
export function scheduleProblem(schedule: unknown): string | null {
  if (schedule === null || schedule === undefined) return null;
  if (typeof schedule !== "string") return `schedule must be a string or null; ${VALID_FORMS}`;
  const result = compile(schedule);
  return typeof result === "string" ? result : null;
}

/**
 * The first tick strictly after `after`, not before startDate and not after endDate; null when there is none.
 * Semantics of Airflow's CronTriggerTimetable: a run fires at each tick and its logical date is the tick. UTC.
 */
export function nextScheduleTick(timetable: ScheduleTimetable, after: Date): Date | null {
  const compiled = compileOrThrow(timetable.schedule);
  if (compiled.kind === "none") return null;
  const { start, end } = bounds(timetable);
  let tick: Date;
  if (compiled.kind === "once") {
    if (start === null || start <= after) return null;
    tick = start;
  } else {
    // Searching from 1 ms before the start date makes a tick exactly at the start date count.
    const from = start !== null && start > after ? new Date(start.getTime() - 1) : after;
    tick = cronNext(compiled.cron, from);
  }
  return end !== null && tick > end ? null : tick;
}

/** The last tick at or before `at`, not before startDate and not after endDate; null when there is none. UTC. */
export function latestScheduleTickAtOrBefore(timetable: ScheduleTimetable, at: Date): Date | null {
  const compiled = compileOrThrow(timetable.schedule);
  if (compiled.kind === "none") return null;
  const { start, end } = bounds(timetable);
  const limit = end !== null && end < at ? end : at;
  if (compiled.kind === "once") return start !== null && start <= limit ? start : null;
  // prev() is strictly before its current date, so start 1 ms later to include a tick exactly at `limit`.
  const tick = cronPrev(compiled.cron, new Date(limit.getTime() + 1));
  if (tick === null || (start !== null && tick < start)) return null;
  return tick;
}

function compile(schedule: string): CompiledSchedule | string {
  const text = schedule.trim();
  if (text.startsWith("@")) {
    if (!Object.hasOwn(SCHEDULE_PRESETS, text)) return `schedule '${schedule}' is not a known preset; ${VALID_FORMS}`;
    const cron = SCHEDULE_PRESETS[text as SchedulePreset];
    return cron === null ? { kind: "once" } : { kind: "cron", cron };
  }
  // cron-parser also accepts fewer fields (filling in '*'), which would read junk such as "every day" as a cron.
  const fields = text.split(/\s+/).filter((f) => f !== "");
  if (fields.length !== 5 && fields.length !== 6) {
    return `schedule '${schedule}' is not valid: it has ${fields.length} field${fields.length === 1 ? "" : "s"}; ${VALID_FORMS}`;
  }
  try {
    CronExpressionParser.parse(text, { tz: "UTC" });
  } catch (thrown) {
    const reason = thrown instanceof Error ? thrown.message : String(thrown);
    return `schedule '${schedule}' is not a valid cron expression (${reason}); ${VALID_FORMS}`;
  }
  return { kind: "cron", cron: text };
}

function compileOrThrow(schedule: string | null): CompiledSchedule {
  if (schedule === null) return { kind: "none" };
  const result = compile(schedule);
  if (typeof result === "string") throw new InvalidScheduleError(schedule, result);
  return result;
}

function bounds(timetable: ScheduleTimetable): { start: Date | null; end: Date | null } {
  const start = timetable.startDate == null ? null : parseDagDate(timetable.startDate);
  const end = timetable.endDate == null ? null : parseDagDate(timetable.endDate);
  return { start, end };
}

function cronNext(cron: string, from: Date): Date {
  return CronExpressionParser.parse(cron, { currentDate: from, tz: "UTC" }).next().toDate();
}

function cronPrev(cron: string, from: Date): Date | null {
  const expression = CronExpressionParser.parse(cron, { currentDate: from, tz: "UTC" });
  // A sparse cron (e.g. Feb 29) may have no tick within cron-parser's search limit backwards.
  try {
    return expression.prev().toDate();
  } catch {
    return null;
  }
}
