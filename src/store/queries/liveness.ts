import type { Kysely } from "kysely";
import type { TaskInstanceKey } from "../../common/keys.js";
import { TaskState } from "../../common/states.js";
import type { Database, TaskInstanceRow } from "../schema.js";

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

/** Running TIs whose try has not shown a sign of life since `olderThan`. */
export async function silentRunningTis(db: Kysely<Database>, olderThan: number): Promise<TaskInstanceRow[]> {
  return db
    .selectFrom("task_instance")
    .selectAll()
    .where("state", "=", TaskState.RUNNING)
    .where((eb) => eb(eb.fn.coalesce("last_heartbeat_at", "start_date", "queued_at", "updated_at"), "<", olderThan))
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
