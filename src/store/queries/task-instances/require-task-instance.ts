import type { Kysely } from "kysely";
import { StoreError, StoreErrorCode } from "../../errors.js";
import type { Database, TaskInstanceRow } from "../../schema.js";
import { getTaskInstance } from "./get-task-instance.js";
import type { TiId } from "./ti-id.js";

/** Like getTaskInstance, but a missing TI is an error that names what exists (the statements after the first only word that error). */
export async function requireTaskInstance(db: Kysely<Database>, id: TiId): Promise<TaskInstanceRow> {
  const ti = await getTaskInstance(db, id);
  if (ti) return ti;
  const run = await db.selectFrom("dag_run").select("id").where("dag_id", "=", id.dagId).where("run_id", "=", id.runId).executeTakeFirst();
  if (!run) {
    const dag = await db.selectFrom("dag").select("dag_id").where("dag_id", "=", id.dagId).executeTakeFirst();
    throw new StoreError(
      StoreErrorCode.NOT_FOUND,
      dag
        ? `DAG '${id.dagId}' has no run '${id.runId}'; list its runs with \`switchyard dags list-runs ${id.dagId}\``
        : `no DAG named '${id.dagId}'; list DAGs with \`switchyard dags list\``,
    );
  }
  const tasks = await db.selectFrom("task_instance").select("task_id").where("dag_run_id", "=", run.id).orderBy("task_id").execute();
  throw new StoreError(
    StoreErrorCode.NOT_FOUND,
    `run '${id.runId}' of DAG '${id.dagId}' has no task '${id.taskId}'${id.mapIndex >= 0 ? ` with map index ${id.mapIndex}` : ""}; its tasks: ${tasks.map((t) => t.task_id).join(", ")}`,
  );
}
