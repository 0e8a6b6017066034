import os from "node:os";
import type { Kysely, Updateable } from "kysely";
import { tiString, type TaskInstanceKey } from "../common/keys.js";
import { TaskState } from "../common/states.js";
import type { SchedulerExecutor } from "../executors/scheduler-executor.js";
import type { TaskInstanceRef } from "../executors/types.js";
import { insertAuditLogs } from "../store/queries/audit.js";
import { listRunningJobs, markJobsFailed, markStaleJobsFailed } from "../store/queries/jobs.js";
import { orphanedTaskInstances } from "../store/queries/liveness.js";
import { ACTIVE_TI_STATES, getTaskInstances, updateTryAsRead } from "../store/queries/task-instances.js";
import type { Database, NewAuditLog, TaskInstanceRow, TaskInstanceTable } from "../store/schema.js";
import type { DirtyRuns } from "./dirty-runs.js";
import { tiRef } from "./sweeps.js";
import { processAlive } from "../common/process-alive.js";
import { errorLine } from "../common/errors.js";
import type { Logger } from "../common/logger.js";

export const SCHEDULER_JOB = "scheduler";

export interface AdoptionContext {
  db: Kysely<Database>;
  logger: Logger;
  executors: ReadonlyMap<string, SchedulerExecutor>;
  jobId: number;
  healthCheckThresholdMs: number;
  /**
   * Whether a stale heartbeat may get a peer declared dead now. False just after this scheduler
   * could not reach the database itself: its peers were cut off too and get time to heartbeat
   * (and to apply the reports they held) before their tries are taken from them.
   */
  judgeHeartbeats: boolean;
  source: string;
  dirty: DirtyRuns;
}

/**
 * Declares dead the schedulers whose heartbeat is older than the threshold, and — without
 * waiting for the threshold — those that ran on this host and whose process is gone. Returns the
 * job ids this call marked.
 */
export async function declareDeadSchedulers(ctx: AdoptionContext): Promise<number[]> {
  // The clock is read here, not taken from the pass: a pass can run long, and a stale "now" would
  // both misjudge heartbeat ages and date the marks before what they record.
  const now = Date.now();
  const dead = ctx.judgeHeartbeats
    ? await markStaleJobsFailed(ctx.db, { jobType: SCHEDULER_JOB, cutoff: now - ctx.healthCheckThresholdMs, exceptId: ctx.jobId, now })
    : [];
  const host = os.hostname();
  const gone = (await listRunningJobs(ctx.db, SCHEDULER_JOB))
    .filter((j) => Number(j.id) !== ctx.jobId && j.hostname === host && (j.pid === process.pid || !processAlive(j.pid)))
    .map((j) => Number(j.id));
  return [...dead, ...(await markJobsFailed(ctx.db, gone, Date.now()))];
}

/**
 * Finds queued and running TIs whose scheduler is no longer running, offers them to their
 * executor for adoption, and resets the rest so they are scheduled again. A reset TI's lost try
 * does not count against its retries, and its try number moves on, so a late report from the
 * lost try is fenced out. Each reset and its audit row commit together.
 */
export async function adoptOrResetOrphans(ctx: AdoptionContext): Promise<number> {
  const dead = new Set(await declareDeadSchedulers(ctx));
  const orphans = await orphanedTaskInstances(ctx.db);
  if (orphans.length === 0) return 0;

  const byExecutor = new Map<string, TaskInstanceRow[]>();
  for (const ti of orphans) byExecutor.set(ti.executor, [...(byExecutor.get(ti.executor) ?? []), ti]);
  const toReset: TaskInstanceRow[] = [];
  const adopted: TaskInstanceRow[] = [];
  for (const [name, tis] of byExecutor) {
    const executor = ctx.executors.get(name);
    if (!executor) {
      toReset.push(...tis);
      continue;
    }
    const refs = new Map(tis.map((ti) => [ti, tiRef(ti)]));
    let notAdopted: Set<TaskInstanceRef>;
    try {
      notAdopted = new Set(await executor.tryAdoptTaskInstances([...refs.values()]));
    } catch (error) {
      // The executor could not tell which tries still run (its broker or API is unreachable):
      // resetting them now could run a live try twice. They wait for the next check.
      ctx.logger.warn(`executor ${name} could not look for ${tis.length} orphaned task instance(s) to adopt; they are left as they are until the next check: ${errorLine(error)}`);
      continue;
    }
    for (const [ti, ref] of refs) (notAdopted.has(ref) ? toReset : adopted).push(ti);
  }

  let moved = 0;
  for (const ti of adopted) {
    const reason = `adopted by scheduler job ${ctx.jobId} from ${owner(ti, dead)}${ti.external_executor_id === null ? "" : ` (external id ${ti.external_executor_id})`}`;
    // Adopting vouches for the try: its heartbeat went stale while nobody held it, and must not make it a zombie now.
    // Nor may the time it sat queued while no scheduler held it count against task_queued_timeout:
    // a try that ran (and maybe ended) meanwhile would be revoked before its end was heard, and run again.
    const now = Date.now();
    const change = { queued_by_job_id: ctx.jobId, last_heartbeat_at: now, ...(ti.state === TaskState.QUEUED ? { queued_at: now } : {}) };
    if (await updateAsRead(ctx, ti, change, audit(ti, "adopted", ti.state, reason, ctx.source))) moved++;
  }
  for (const ti of toReset) if (await resetLostTry(ctx, ti, owner(ti, dead))) moved++;
  return moved;
}

/**
 * Tries that this scheduler's own executors lost to a lease that ran out while it kept running
 * (it renewed the lease a moment too late for a runner that had already stopped them): reset as
 * a peer resets a dead scheduler's tries. Keys whose TI has moved on (a peer reset it, or the
 * scheduler did when it rejoined) are left alone.
 */
export async function resetLostTries(ctx: ResetContext, lost: ReadonlyArray<{ key: TaskInstanceKey; why: string }>): Promise<number> {
  const rows = await getTaskInstances(ctx.db, lost.map((l) => l.key));
  let moved = 0;
  for (const { key, why } of lost) {
    const ti = rows.get(tiString(key));
    if (ti === undefined || ti.try_number !== key.tryNumber || !RESETTABLE.includes(ti.state)) continue;
    if (await resetLostTry(ctx, ti, why)) moved++;
  }
  return moved;
}

const RESETTABLE: readonly string[] = [...ACTIVE_TI_STATES, TaskState.RESTARTING];

type ResetContext = Pick<AdoptionContext, "db" | "source" | "dirty">;

/**
 * Sets a TI whose try was lost back to `none`: it is scheduled again with a new try number (so a
 * late report from the lost try is fenced out), and the lost try does not count against retries.
 */
async function resetLostTry(ctx: ResetContext, ti: TaskInstanceRow, why: string): Promise<boolean> {
  const reset = { state: TaskState.NONE, queued_by_job_id: null, queued_at: null, external_executor_id: null, max_tries: ti.max_tries + 1, pid: null };
  const reason = `try ${ti.try_number} lost: ${why}; it will be scheduled again (the lost try does not count against retries)`;
  if (!(await updateAsRead(ctx, ti, reset, audit(ti, "reset", TaskState.NONE, reason, ctx.source)))) return false;
  ctx.dirty.markChanged(Number(ti.dag_run_id), ti.task_id);
  return true;
}

/**
 * Applies `change` to the TI if it is still as it was read, with its audit row in the same
 * transaction. One TI per transaction: it holds one row lock at a time, so it cannot deadlock
 * with a peer that updates a batch of TIs in another order.
 */
async function updateAsRead(ctx: ResetContext, ti: TaskInstanceRow, change: Updateable<TaskInstanceTable>, row: Omit<NewAuditLog, "ts">): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = Date.now();
    if (!(await updateTryAsRead(trx, ti, change, now))) return false;
    await insertAuditLogs(trx, [{ ...row, ts: now }]);
    return true;
  });
}

function owner(ti: TaskInstanceRow, deadIds: ReadonlySet<number>): string {
  if (ti.queued_by_job_id === null) return "no scheduler owned it";
  return deadIds.has(Number(ti.queued_by_job_id))
    ? `scheduler job ${ti.queued_by_job_id} that queued it is dead`
    : `scheduler job ${ti.queued_by_job_id} that queued it is no longer running`;
}

function audit(ti: TaskInstanceRow, event: string, to: string, reason: string, source: string): Omit<NewAuditLog, "ts"> {
  return {
    dag_id: ti.dag_id,
    run_id: ti.run_id,
    task_id: ti.task_id,
    map_index: ti.map_index,
    try_number: ti.try_number,
    event,
    from_state: ti.state,
    to_state: to,
    reason,
    source,
  };
}
