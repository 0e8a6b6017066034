import type { Kysely } from "kysely";
import type { Database, TaskInstanceRow } from "../../schema.js";
import type { TiId } from "./ti-id.js";

export async function getTaskInstance(db: Kysely<Database>, id: TiId): Promise<TaskInstanceRow | undefined> {
  return db
    .selectFrom("task_instance")
    .selectAll()
    .where("dag_id", "=", id.dagId)
    .where("run_id", "=", id.runId)
    .where("task_id", "=", id.taskId)
    .where("map_index", "=", id.mapIndex)
    .executeTakeFirst();
}
