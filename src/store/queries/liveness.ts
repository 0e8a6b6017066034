import type { Kysely } from "kysely";
import type { TaskInstanceKey } from "../../common/keys.js";
import { TaskState } from "../../common/states.js";
import type { Database, TaskInstanceRow } from "../schema.js";
import { JobState } from "./jobs.js";
import { ACTIVE_TI_STATES } from "./task-instances.js";

/** Renews the heartbeat of tries that are known to be alive (their runner is connected, or is this process). */
export async function refreshTiHeartbeats(db: Kysely<Database>, keys: readonly TaskInstanceKey[], now: number): Promise<void> {
  for (const k of keys) {
    await db
      .updateTable("task_instance")
      .set({ last_heartbeat_at: now })
      .where("dag_id", "=", k.dagId)
      .where("run_id", "=", k.runId)
      .where("task_id", "=", k.taskId)
      .where("map_index", "=", k.mapIndex)
      .where("try_number", "=", k.tryNumber)
      .where("state", "in", [TaskState.QUEUED, TaskState.RUNNING])
      .execute();
  }
}

/**
 * Zombies: running TIs whose try has shown no sign of life for `timeoutMs`. A TI a scheduler
 * queued counts only when that scheduler has heartbeat more than `timeoutMs` after the TI last did:
 * the scheduler is alive but no longer holds the try. Silence shared with its scheduler (a
 * database outage, or a dead scheduler, which adoption handles) is not a zombie. A TI with no
 * scheduler (`tasks run`) counts from its own heartbeat alone.
 */
export async function silentRunningTis(db: Kysely<Database>, now: number, timeoutMs: number): Promise<TaskInstanceRow[]> {
  return db
    .selectFrom("task_instance as ti")
    .selectAll("ti")
    .where("ti.state", "=", TaskState.RUNNING)
    .where((eb) => {
      const lastSign = eb.fn.coalesce("ti.last_heartbeat_at", "ti.start_date", "ti.queued_at", "ti.updated_at");
      return eb.and([
        eb(lastSign, "<", now - timeoutMs),
        eb.or([
          eb("ti.queued_by_job_id", "is", null),
          eb.exists(
            eb
              .selectFrom("job")
              .select("job.id")
              .whereRef("job.id", "=", "ti.queued_by_job_id")
              .where("job.latest_heartbeat", ">", eb(lastSign, "+", timeoutMs)),
          ),
        ]),
      ]);
    })
    .execute();
}

/**
 * Queued and running TIs whose scheduler is no longer running (it was declared dead or ended),
 * judged when the statement runs: a scheduler that started after the caller last listed jobs is
 * not mistaken for a dead one.
 */
export async function orphanedTaskInstances(db: Kysely<Database>): Promise<TaskInstanceRow[]> {
  return db
    .selectFrom("task_instance as ti")
    .selectAll("ti")
    .where("ti.state", "in", [...ACTIVE_TI_STATES, TaskState.RESTARTING])
    .where("ti.queued_by_job_id", "is not", null)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom("job").select("job.id").whereRef("job.id", "=", "ti.queued_by_job_id").where("job.state", "=", JobState.RUNNING))),
    )
    // In key order: resets (and their audit rows) come out in the order of the run.
    .orderBy("ti.dag_run_id")
    .orderBy("ti.task_id")
    .orderBy("ti.map_index")
    .execute();
}

/** TIs this scheduler queued before `olderThan` that never started. */
export async function stuckQueuedTis(db: Kysely<Database>, jobId: number, olderThan: number): Promise<TaskInstanceRow[]> {
  return db
    .selectFrom("task_instance")
    .selectAll()
    .where("state", "=", TaskState.QUEUED)
    .where("queued_by_job_id", "=", jobId)
    .where("queued_at", "<", olderThan)
    .execute();
}

/** How often the audit log says `event` happened to this TI. */
export async function countTiAuditEvents(
  db: Kysely<Database>,
  ti: { dag_id: string; run_id: string; task_id: string; map_index: number },
  event: string,
): Promise<number> {
  const row = await db
    .selectFrom("audit_log")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("dag_id", "=", ti.dag_id)
    .where("run_id", "=", ti.run_id)
    .where("task_id", "=", ti.task_id)
    .where("map_index", "=", ti.map_index)
    .where("event", "=", event)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
