import type { Kysely } from "kysely";
import type { Database, TaskInstanceRow, TaskInstanceUpdate } from "../../schema.js";

/**
 * Applies `change` (and updated_at = `now`) to a TI only while it is exactly as it was read: same
 * try, same state, same owner (another scheduler may have taken it since). False when it was not.
 */
export async function updateTryAsRead(db: Kysely<Database>, ti: TaskInstanceRow, change: TaskInstanceUpdate, now: number): Promise<boolean> {
  const result = await db
    .updateTable("task_instance")
    .set({ ...change, updated_at: now })
    .where("dag_run_id", "=", ti.dag_run_id)
    .where("task_id", "=", ti.task_id)
    .where("map_index", "=", ti.map_index)
    .where("try_number", "=", ti.try_number)
    .where("state", "=", ti.state)
    .where("queued_by_job_id", "=", Number(ti.queued_by_job_id))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
