import os from "node:os";
import type { Kysely } from "kysely";
import { TaskState } from "../common/states.js";
import type { BaseExecutor } from "../executors/base.js";
import type { TaskInstanceRef } from "../executors/types.js";
import { insertAuditLogs } from "../store/queries/audit.js";
import { listRunningJobs, markJobsFailed } from "../store/queries/jobs.js";
import { orphanedTaskInstances } from "../store/queries/task-instances.js";
import type { Database, JobRow, NewAuditLog, TaskInstanceRow } from "../store/schema.js";
import type { DirtyRuns } from "./dirty-runs.js";

export const SCHEDULER_JOB = "scheduler";

export interface AdoptionContext {
  db: Kysely<Database>;
  executors: ReadonlyMap<string, BaseExecutor>;
  jobId: number;
  healthCheckThresholdMs: number;
  now: number;
  source: string;
  dirty: DirtyRuns;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * A scheduler is dead when its heartbeat is older than the threshold, or — without waiting for
 * the threshold — when it ran on this host and its process is gone.
 */
export function isDeadScheduler(job: JobRow, ctx: { jobId: number; now: number; healthCheckThresholdMs: number }): boolean {
  if (job.id === ctx.jobId) return false;
  if (ctx.now - Number(job.latest_heartbeat) > ctx.healthCheckThresholdMs) return true;
  return job.hostname === os.hostname() && (job.pid === process.pid || !processAlive(job.pid));
}

/**
 * Finds queued and running TIs whose scheduler is dead (or that no live scheduler owns), offers
 * them to their executor for adoption, and resets the rest so they are scheduled again. A reset
 * TI's lost try does not count against its retries, and its try number moves on, so a late
 * report from the lost try is fenced out.
 */
export async function adoptOrResetOrphans(ctx: AdoptionContext): Promise<number> {
  const jobs = await listRunningJobs(ctx.db, SCHEDULER_JOB);
  const dead = jobs.filter((j) => isDeadScheduler(j, ctx));
  await markJobsFailed(ctx.db, dead.map((j) => Number(j.id)), ctx.now);
  const live = jobs.filter((j) => !dead.includes(j)).map((j) => Number(j.id));
  if (!live.includes(ctx.jobId)) live.push(ctx.jobId);
  const orphans = await orphanedTaskInstances(ctx.db, live);
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
    const refs = new Map(tis.map((ti) => [ti, toRef(ti)]));
    const notAdopted = new Set(await executor.tryAdoptTaskInstances([...refs.values()]));
    for (const [ti, ref] of refs) (notAdopted.has(ref) ? toReset : adopted).push(ti);
  }

  const audits: NewAuditLog[] = [];
  const deadIds = new Set(dead.map((j) => Number(j.id)));
  for (const ti of adopted) {
    await ctx.db
      .updateTable("task_instance")
      .set({ queued_by_job_id: ctx.jobId, updated_at: ctx.now })
      .where("dag_run_id", "=", ti.dag_run_id)
      .where("task_id", "=", ti.task_id)
      .where("map_index", "=", ti.map_index)
      .where("try_number", "=", ti.try_number)
      .execute();
    audits.push(audit(ti, "adopted", ti.state, `adopted by scheduler job ${ctx.jobId} from ${owner(ti, deadIds)}`, ctx));
  }
  for (const ti of toReset) {
    const result = await ctx.db
      .updateTable("task_instance")
      .set({
        state: TaskState.NONE,
        queued_by_job_id: null,
        queued_at: null,
        external_executor_id: null,
        max_tries: ti.max_tries + 1,
        pid: null,
        updated_at: ctx.now,
      })
      .where("dag_run_id", "=", ti.dag_run_id)
      .where("task_id", "=", ti.task_id)
      .where("map_index", "=", ti.map_index)
      .where("try_number", "=", ti.try_number)
      .where("state", "=", ti.state)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) continue;
    ctx.dirty.markChanged(Number(ti.dag_run_id), ti.task_id);
    audits.push(audit(ti, "reset", TaskState.NONE, `try ${ti.try_number} lost: ${owner(ti, deadIds)}; it will be scheduled again (the lost try does not count against retries)`, ctx));
  }
  await insertAuditLogs(ctx.db, audits);
  return orphans.length;
}

function owner(ti: TaskInstanceRow, deadIds: ReadonlySet<number>): string {
  if (ti.queued_by_job_id === null) return "no scheduler owned it";
  return deadIds.has(Number(ti.queued_by_job_id))
    ? `scheduler job ${ti.queued_by_job_id} that queued it is dead`
    : `scheduler job ${ti.queued_by_job_id} that queued it is no longer running`;
}

function audit(ti: TaskInstanceRow, event: string, to: string, reason: string, ctx: AdoptionContext): NewAuditLog {
  return {
    ts: ctx.now,
    dag_id: ti.dag_id,
    run_id: ti.run_id,
    task_id: ti.task_id,
    map_index: ti.map_index,
    try_number: ti.try_number,
    event,
    from_state: ti.state,
    to_state: to,
    reason,
    source: ctx.source,
  };
}

function toRef(ti: TaskInstanceRow): TaskInstanceRef {
  return {
    key: { dagId: ti.dag_id, taskId: ti.task_id, runId: ti.run_id, mapIndex: ti.map_index, tryNumber: ti.try_number },
    state: ti.state,
    externalExecutorId: ti.external_executor_id,
    queue: ti.queue,
    pid: ti.pid,
    hostname: ti.hostname,
  };
}
