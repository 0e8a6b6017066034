import type { Kysely } from "kysely";
import type { Database, TaskInstanceRow } from "../../schema.js";

export async function listTaskInstances(db: Kysely<Database>, dagRunId: number): Promise<TaskInstanceRow[]> {
  return db.selectFrom("task_instance").selectAll().where("dag_run_id", "=", dagRunId).orderBy("task_id").execute();
}
