import type { Kysely } from "kysely";
import { TaskState } from "../common/states.js";
import { EventState } from "../common/workload.js";
import type { SchedulerExecutor } from "../executors/scheduler-executor.js";
import type { TaskInstanceRef } from "../executors/types.js";
import { countTiAuditEvents, insertAuditLogs } from "../store/queries/audit.js";
import { silentRunningTis, stuckQueuedTis } from "../store/queries/liveness.js";
import { moveQueuedTry } from "../store/queries/task-instances.js";
import type { Database, TaskInstanceRow } from "../store/schema.js";
import type { DagCache } from "./dag-cache.js";
import type { DirtyRuns } from "./dirty-runs.js";
import { applyTaskEvents } from "./events.js";
import { logFailedTry, type OutcomeLogger } from "./outcome-log.js";

export const STUCK_RESCHEDULE_EVENT = "stuck_in_queued_reschedule";

export interface SweepContext {
  db: Kysely<Database>;
  dags: DagCache;
  executors: ReadonlyMap<string, SchedulerExecutor>;
  jobId: number;
  now: number;
  source: string;
  dirty: DirtyRuns;
  logger: OutcomeLogger;
}

export function tiRef(ti: TaskInstanceRow): TaskInstanceRef {
  return {
    key: { dagId: ti.dag_id, taskId: ti.task_id, runId: ti.run_id, mapIndex: ti.map_index, tryNumber: ti.try_number },
    state: ti.state,
    externalExecutorId: ti.external_executor_id,
    queue: ti.queue,
    pid: ti.pid,
    hostname: ti.hostname,
  };
}

/**
 * Zombies: running TIs whose try stopped heartbeating. They fail through the ordinary failure
 * path (so retries apply), and any later report from that try is rejected by try fencing.
 */
export async function failZombies(ctx: SweepContext, timeoutMs: number): Promise<number> {
  const zombies = await silentRunningTis(ctx.db, ctx.now, timeoutMs);
  if (zombies.length === 0) return 0;
  for (const ti of zombies) {
    const executor = ctx.executors.get(ti.executor);
    if (executor?.hasTask(tiRef(ti).key)) await executor.revokeTask(tiRef(ti));
  }
  return applyTaskEvents(
    { db: ctx.db, dags: ctx.dags, now: ctx.now, source: ctx.source, dirty: ctx.dirty, logger: ctx.logger },
    zombies.map((ti) => ({
      key: tiRef(ti).key,
      state: EventState.FAILED,
      info: {
        endDate: ctx.now,
        error: `zombie: no heartbeat from try ${ti.try_number} for more than ${Math.round(timeoutMs / 1000)}s${ti.pid ? ` (pid ${ti.pid} on ${ti.hostname})` : ""}`,
      },
    })),
  );
}

/**
 * task_queued_timeout: a TI queued too long is revoked from its executor, then set back to
 * scheduled up to `maxReschedules` times (with a new try number, so the revoked try is fenced
 * out, and without using up a retry), then failed. Every step goes to the audit log.
 */
export async function handleStuckQueued(ctx: SweepContext, timeoutMs: number, maxReschedules: number): Promise<number> {
  const stuck = await stuckQueuedTis(ctx.db, ctx.jobId, ctx.now - timeoutMs);
  let moved = 0;
  for (const ti of stuck) {
    await ctx.executors.get(ti.executor)?.revokeTask(tiRef(ti));
    let failedReason: string | null = null;
    const waited = `queued for more than ${Math.round(timeoutMs / 1000)}s without starting (task_queued_timeout)`;
    // The count, the move and its audit row commit together: the count of audit rows is what
    // limits the reschedules, so a move without its row would allow one too many.
    const done = await ctx.db.transaction().execute(async (trx) => {
      const before = await countTiAuditEvents(trx, ti, STUCK_RESCHEDULE_EVENT);
      failedReason = null;
      const reschedule = before < maxReschedules;
      const moved = await moveQueuedTry(
        trx,
        ti,
        reschedule
          ? { state: TaskState.SCHEDULED, try_number: ti.try_number + 1, max_tries: ti.max_tries + 1, queued_at: null, queued_by_job_id: null, updated_at: ctx.now }
          : { state: TaskState.FAILED, end_date: ctx.now, updated_at: ctx.now },
      );
      if (!moved) return false;
      const reason = reschedule
        ? `${waited}; revoked and rescheduled (${before + 1} of ${maxReschedules})`
        : `${waited}; already rescheduled ${before} time(s) (num_stuck_in_queued_retries = ${maxReschedules}): failed`;
      if (!reschedule) failedReason = reason;
      await insertAuditLogs(trx, [
        {
          ts: ctx.now,
          dag_id: ti.dag_id,
          run_id: ti.run_id,
          task_id: ti.task_id,
          map_index: ti.map_index,
          try_number: ti.try_number,
          event: reschedule ? STUCK_RESCHEDULE_EVENT : "stuck_in_queued_failed",
          from_state: TaskState.QUEUED,
          to_state: reschedule ? TaskState.SCHEDULED : TaskState.FAILED,
          reason,
          source: ctx.source,
        },
      ]);
      return true;
    });
    if (!done) continue;
    if (failedReason !== null) logFailedTry(ctx.logger, tiRef(ti).key, failedReason);
    moved++;
    ctx.dirty.markChanged(Number(ti.dag_run_id), ti.task_id);
  }
  return moved;
}
