import type { Kysely } from "kysely";
import type { Database, TaskInstanceRow } from "../../schema.js";

/** Records on a TI why it is not queued (what a user must fix). */
export async function setPendingReason(
  db: Kysely<Database>,
  ti: Pick<TaskInstanceRow, "dag_run_id" | "task_id" | "map_index">,
  reason: string,
  now: number,
): Promise<void> {
  await db
    .updateTable("task_instance")
    .set({ pending_reason: reason, updated_at: now })
    .where("dag_run_id", "=", ti.dag_run_id)
    .where("task_id", "=", ti.task_id)
    .where("map_index", "=", ti.map_index)
    .execute();
}
