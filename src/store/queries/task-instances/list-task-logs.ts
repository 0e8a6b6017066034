import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";
import type { TiId } from "./ti-id.js";

/** The log files of a TI's tries, oldest try first. */
export async function listTaskLogs(db: Kysely<Database>, id: TiId) {
  return db
    .selectFrom("task_log")
    .selectAll()
    .where("dag_id", "=", id.dagId)
    .where("run_id", "=", id.runId)
    .where("task_id", "=", id.taskId)
    .where("map_index", "=", id.mapIndex)
    .orderBy("try_number")
    .execute();
}
