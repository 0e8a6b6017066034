import type { Kysely } from "kysely";
import { SwitchyardError } from "../common/errors.js";
import type { ExecutorName } from "../config/executor-names.js";
import { nextScheduleTick } from "../dag/schedule.js";
import type { SerializedDag } from "../dag/types.js";
import { createDagRunIn, RunType, runsAtLogicalDates } from "../store/queries/dag-runs.js";
import type { Database } from "../store/schema.js";
import { executorResolver } from "./runs.js";

/** More runs than this in one backfill is almost certainly a mistyped range. */
export const MAX_BACKFILL_RUNS = 1000;

export function backfillRunId(logicalDate: number): string {
  return `backfill__${new Date(logicalDate).toISOString()}`;
}

/**
 * The logical dates of a backfill: every schedule tick from `start` to `end`, both included, within
 * the DAG's own startDate/endDate.
 */
export function backfillDates(dag: SerializedDag, start: number, end: number): number[] {
  if (dag.schedule === null) {
    throw new SwitchyardError("BACKFILL_NO_SCHEDULE", `DAG '${dag.dagId}' has no schedule, so it has no runs to backfill; use \`switchyard dags trigger ${dag.dagId} --logical-date <date>\` for a run at a given date`);
  }
  if (end < start) {
    throw new SwitchyardError("BACKFILL_BAD_RANGE", `--end-date ${new Date(end).toISOString()} is before --start-date ${new Date(start).toISOString()}; give the earlier date as --start-date`);
  }
  const dates: number[] = [];
  let tick = nextScheduleTick(dag, new Date(start - 1));
  while (tick !== null && tick.getTime() <= end) {
    dates.push(tick.getTime());
    if (dates.length > MAX_BACKFILL_RUNS) {
      throw new SwitchyardError(
        "BACKFILL_TOO_LARGE",
        `${new Date(start).toISOString()} to ${new Date(end).toISOString()} holds more than ${MAX_BACKFILL_RUNS} runs of '${dag.dagId}' (schedule ${dag.schedule}); backfill a shorter range at a time`,
      );
    }
    tick = nextScheduleTick(dag, tick);
  }
  return dates;
}

export interface BackfillResult {
  created: Array<{ runId: string; logicalDate: number }>;
  /** Dates that already had a run (of any type): left as they are. */
  skipped: Array<{ runId: string; logicalDate: number }>;
}

/**
 * Creates one queued backfill run per date that has no run yet, all in one transaction; the
 * scheduler starts them oldest first within the DAG's maxActiveRuns.
 */
export async function createBackfillRuns(
  db: Kysely<Database>,
  dag: SerializedDag,
  dates: readonly number[],
  ctx: { executorNames: readonly ExecutorName[]; now: number; source: string; dryRun?: boolean },
): Promise<BackfillResult> {
  return db.transaction().execute(async (trx) => {
    const existing = await runsAtLogicalDates(trx, dag.dagId, dates);
    const taken = new Map(existing.map((r) => [Number(r.logical_date), r.run_id]));
    const result: BackfillResult = { created: [], skipped: [] };
    const resolveExecutor = executorResolver(ctx.executorNames);
    for (const logicalDate of dates) {
      const clash = taken.get(logicalDate);
      if (clash !== undefined) {
        result.skipped.push({ runId: clash, logicalDate });
        continue;
      }
      const runId = backfillRunId(logicalDate);
      if (!ctx.dryRun) {
        await createDagRunIn(trx, { dag, runId, runType: RunType.BACKFILL, logicalDate, conf: {}, now: ctx.now, resolveExecutor, source: ctx.source });
      }
      result.created.push({ runId, logicalDate });
    }
    return result;
  });
}
