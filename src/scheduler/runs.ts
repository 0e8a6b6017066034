import type { Transaction } from "kysely";
import { lookupExecutorName, type ExecutorName } from "../config/executor-names.js";
import { DagRunState } from "../common/states.js";
import { latestScheduleTickAtOrBefore, nextScheduleTick } from "../dag/schedule.js";
import type { SerializedDag } from "../dag/types.js";
import { insertAuditLogs } from "../store/queries/audit.js";
import { countActiveRuns, countRunningRunsByDag, createDagRunIn, RunType, startableQueuedRuns, startDagRun } from "../store/queries/dag-runs.js";
import { dagsDueForRuns, setNextDagrunAt } from "../store/queries/dags.js";
import { StoreError, StoreErrorCode } from "../store/errors.js";
import type { Database, DagRunRow } from "../store/schema.js";
import type { DagCache } from "./dag-cache.js";
import type { DirtyRuns } from "./dirty-runs.js";

/** Maps a task's executor field to the configured name stored on its TIs (null → the default executor). */
export function executorResolver(names: readonly ExecutorName[]): (executor: string | null) => string {
  return (executor) => {
    if (executor === null) return names[0]!.name;
    // An executor that is no longer configured is kept as written: the TI then waits, visibly, with the reason.
    return lookupExecutorName(names, executor)?.name ?? executor;
  };
}

export function scheduledRunId(logicalDate: number): string {
  return `scheduled__${new Date(logicalDate).toISOString()}`;
}

export function manualRunId(now: number): string {
  return `manual__${new Date(now).toISOString()}`;
}

/** The first logical date a newly seen (or rescheduled) DAG should run at. */
export function initialNextDagrunAt(dag: SerializedDag, now: number): number | null {
  if (dag.schedule === null) return null;
  const first = nextScheduleTick(dag, new Date(Date.parse(dag.startDate ?? "1970-01-01T00:00:00Z") - 1));
  if (first === null) return null;
  if (dag.catchup) return first.getTime();
  // Without catchup only the most recent missed tick runs, as in Airflow.
  const latest = latestScheduleTickAtOrBefore(dag, new Date(now));
  return Math.max(first.getTime(), latest?.getTime() ?? first.getTime());
}

export interface RunCreationContext {
  /** A transaction holding the scheduling lock: run counts are read and acted on together. */
  db: Transaction<Database>;
  dags: DagCache;
  executorNames: readonly ExecutorName[];
  defaultMaxActiveRuns: number;
  now: number;
  source: string;
}

/** Creates the runs whose schedule tick has come, up to maxActiveRuns active runs per DAG. */
export async function createScheduledRuns(ctx: RunCreationContext): Promise<number> {
  let created = 0;
  const resolveExecutor = executorResolver(ctx.executorNames);
  for (const row of await dagsDueForRuns(ctx.db, ctx.now)) {
    const cached = await ctx.dags.get(row.dag_id, ctx.db);
    if (!cached) continue;
    const dag = cached.dag;
    const maxActiveRuns = dag.maxActiveRuns ?? ctx.defaultMaxActiveRuns;
    let room = maxActiveRuns - (await countActiveRuns(ctx.db, dag.dagId));
    let next: number | null = Number(row.next_dagrun_at);
    if (!dag.catchup) {
      const latest = latestScheduleTickAtOrBefore(dag, new Date(ctx.now));
      if (latest && latest.getTime() > next) next = latest.getTime();
    }
    while (next !== null && next <= ctx.now && room > 0) {
      try {
        await createDagRunIn(ctx.db, {
          dag,
          runId: scheduledRunId(next),
          runType: RunType.SCHEDULED,
          logicalDate: next,
          conf: {},
          now: ctx.now,
          resolveExecutor,
          source: ctx.source,
        });
        created++;
        room--;
      } catch (err) {
        if (!(err instanceof StoreError && err.code === StoreErrorCode.CONFLICT)) throw err;
      }
      next = nextScheduleTick(dag, new Date(next))?.getTime() ?? null;
      if (!dag.catchup && next !== null && next <= ctx.now) {
        next = latestScheduleTickAtOrBefore(dag, new Date(ctx.now))?.getTime() ?? next;
      }
    }
    await setNextDagrunAt(ctx.db, dag.dagId, next);
  }
  return created;
}

/** Starts queued runs of unpaused, active DAGs, oldest first, while their DAG has fewer than maxActiveRuns running. */
export async function startQueuedRuns(
  ctx: Omit<RunCreationContext, "executorNames">,
  dirty: DirtyRuns,
): Promise<number> {
  const queued = await startableQueuedRuns(ctx.db);
  if (queued.length === 0) return 0;
  const running = await countRunningRunsByDag(ctx.db);
  const started: DagRunRow[] = [];
  for (const run of queued) {
    const cached = await ctx.dags.get(run.dag_id, ctx.db);
    if (!cached) continue;
    const limit = cached.dag.maxActiveRuns ?? ctx.defaultMaxActiveRuns;
    const n = running.get(run.dag_id) ?? 0;
    if (n >= limit) continue;
    if (!(await startDagRun(ctx.db, Number(run.id), ctx.now))) continue;
    running.set(run.dag_id, n + 1);
    started.push(run);
    dirty.markAll(Number(run.id));
  }
  await insertAuditLogs(
    ctx.db,
    started.map((run) => ({
      ts: ctx.now,
      dag_id: run.dag_id,
      run_id: run.run_id,
      event: "dag_run_started",
      from_state: DagRunState.QUEUED,
      to_state: DagRunState.RUNNING,
      reason: null,
      source: ctx.source,
    })),
  );
  return started.length;
}
