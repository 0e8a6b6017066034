import path from "node:path";
import { ViolationKind, type Violation } from "./check.js";
import { ENDLESS_DAG_FILE, FaultKind, type Fault } from "./faults.js";

export interface ParseStallInput {
  readonly faults: readonly Fault[];
  /** Each scheduler's log (lines start with an ISO-8601 time). */
  readonly schedulerLogs: ReadonlyArray<{ readonly n: number; readonly text: string }>;
  /** `dags list-import-errors` at the end of the cycle. */
  readonly importErrorFiles: readonly string[];
  /** How long after the drop its parse may still be going on. */
  readonly windowMs: number;
}

/** Database faults and scheduler pauses cost leases on purpose; within this long after one ends, a lost lease is theirs. */
const DB_FAULT_SHADOW_MS = 10_000;

/**
 * The DAG_FILES fault's invariants (issue 9 §6): parsing a slow or an endless DAG file costs no
 * scheduler its lease — so no try is stopped, reset or retried because of it — and the endless
 * file ends as an import error. Tries themselves are checked by checkCycle like after any fault.
 */
export function parseStallViolations(input: ParseStallInput): Violation[] {
  const drop = input.faults.find((f) => f.kind === FaultKind.DAG_FILES);
  if (drop === undefined) return [];
  const droppedAt = Date.parse(drop.time);
  const dbFaults = input.faults.filter((f) => f.kind === FaultKind.DB_OUTAGE || f.kind === FaultKind.PG_RESTART).map((f) => Date.parse(f.time));
  // A scheduler stopped longer than its lease loses it on purpose (the pause fault), whatever is parsed meanwhile.
  const pausedUntil = (n: number, at: number) =>
    input.faults.some((f) => f.kind === FaultKind.SCHEDULER_PAUSE && f.scheduler === n && Date.parse(f.time) <= at && at - Date.parse(f.time) <= (f.durationMs ?? 0) + DB_FAULT_SHADOW_MS);
  const v: Violation[] = [];
  for (const { n, text } of input.schedulerLogs) {
    for (const line of text.split("\n")) {
      if (!/lease lost \(no heartbeat could be recorded/.test(line)) continue;
      const at = Date.parse(line.slice(0, 24));
      if (!(at >= droppedAt && at <= droppedAt + input.windowMs)) continue;
      if (dbFaults.some((f) => f <= at && at - f <= DB_FAULT_SHADOW_MS) || pausedUntil(n, at)) continue;
      v.push({ kind: ViolationKind.PARSE_STALL, detail: `scheduler #${n} lost its lease while the dropped DAG files were parsed, with no database fault or pause of that scheduler to explain it: ${line.trim()}` });
    }
  }
  if (!input.importErrorFiles.some((f) => path.basename(f) === ENDLESS_DAG_FILE)) {
    v.push({ kind: ViolationKind.PARSE_STALL, detail: `${ENDLESS_DAG_FILE} is not an import error at the end of the cycle (import errors: ${input.importErrorFiles.join(", ") || "none"})` });
  }
  return v;
}
