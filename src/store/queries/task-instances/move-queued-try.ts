import type { Kysely } from "kysely";
import { TaskState } from "../../../common/states.js";
import type { Database, TaskInstanceRow, TaskInstanceUpdate } from "../../schema.js";

/** Applies `set` to a TI still queued at the try it was read with. False when it has moved on (it started, or a peer moved it). */
export async function moveQueuedTry(
  db: Kysely<Database>,
  ti: Pick<TaskInstanceRow, "dag_run_id" | "task_id" | "map_index" | "try_number">,
  set: TaskInstanceUpdate,
): Promise<boolean> {
  const result = await db
    .updateTable("task_instance")
    .set(set)
    .where("dag_run_id", "=", ti.dag_run_id)
    .where("task_id", "=", ti.task_id)
    .where("map_index", "=", ti.map_index)
    .where("try_number", "=", ti.try_number)
    .where("state", "=", TaskState.QUEUED)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
