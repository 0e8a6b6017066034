import type { Kysely } from "kysely";
import { DagRunState, TaskState } from "../common/states.js";
import type { ExecutorName } from "../config/executor-names.js";
import { listPools } from "../store/queries/pools.js";
import { listTaskInstances } from "../store/queries/task-instances.js";
import { activeRunsWithDag, anyTiProgressing } from "../store/queries/waiting.js";
import type { Database } from "../store/schema.js";
import type { DagCache } from "./dag-cache.js";
import { explainRouting } from "./routing.js";

/** A run that cannot progress until someone acts, and why. */
export interface WaitingRun {
  dagId: string;
  runId: string;
  state: string;
  reasons: string[];
}

export interface WaitingContext {
  db: Kysely<Database>;
  dags: DagCache;
  executorNames: readonly ExecutorName[];
  defaultMaxActiveRuns: number;
}

/**
 * Called when this scheduler has nothing in hand: says whether the queued and running runs can
 * still progress on their own. Returns null when one may (a try in flight anywhere, a retry
 * delay, a run that can start, a TI the scheduler has not judged yet), else every active run with
 * its reasons — [] when there is none. A run is listed only with a reason a user can act on, so an
 * unexplained wait keeps the scheduler waiting rather than giving up on work that would have run.
 * The TI reasons are those of `dags explain-routing` (routing.ts).
 */
export async function findRunsWaitingOnOutsideAction(ctx: WaitingContext): Promise<WaitingRun[] | null> {
  const runs = await activeRunsWithDag(ctx.db);
  if (runs.length === 0) return [];
  if (await anyTiProgressing(ctx.db)) return null;
  const runningPerDag = new Map<string, number>();
  for (const r of runs) if (r.state === DagRunState.RUNNING) runningPerDag.set(r.dag_id, (runningPerDag.get(r.dag_id) ?? 0) + 1);
  let pools: Awaited<ReturnType<typeof listPools>> | null = null;
  const out: WaitingRun[] = [];
  for (const run of runs) {
    const reasons: string[] = [];
    const cached = await ctx.dags.get(run.dag_id, ctx.db);
    if (run.is_active !== 1 || !cached) {
      reasons.push(`DAG '${run.dag_id}' is deactivated: its file was deleted or no longer defines it; restore the file, or delete the DAG`);
    } else if (run.is_paused === 1) {
      reasons.push(`DAG '${run.dag_id}' is paused; \`switchyard dags unpause ${run.dag_id}\``);
    } else if (run.state === DagRunState.QUEUED) {
      const limit = cached.dag.maxActiveRuns ?? ctx.defaultMaxActiveRuns;
      const running = runningPerDag.get(run.dag_id) ?? 0;
      if (running < limit) return null; // the next runs check starts it
      reasons.push(`waits for ${running} running run(s) of its DAG (maxActiveRuns ${limit})`);
    } else {
      const tis = await listTaskInstances(ctx.db, run.id);
      const scheduled = tis.filter((t) => t.state === TaskState.SCHEDULED);
      if (scheduled.length === 0) return null; // not yet evaluated, or about to finish
      pools ??= await listPools(ctx.db);
      const explained = new Map(explainRouting(cached.dag, ctx.executorNames, pools, new Map(tis.map((t) => [t.task_id, t]))).map((e) => [e.taskId, e]));
      for (const ti of scheduled) {
        const e = explained.get(ti.task_id);
        const why = ti.pending_reason ?? e?.waitingFor ?? e?.problems[0] ?? null;
        if (why === null) return null; // it fits: the next pass queues it
        reasons.push(`task ${ti.task_id}: ${why}`);
      }
    }
    out.push({ dagId: run.dag_id, runId: run.run_id, state: run.state, reasons });
  }
  return out;
}

/** One line per run, for the log and the exit report. */
export function describeWaitingRuns(runs: readonly WaitingRun[]): string {
  return runs.map((r) => `  ${r.dagId} ${r.runId}: ${r.reasons.join("; ")}`).join("\n");
}
