import type { Kysely } from "kysely";
import { TaskState } from "../../../common/states.js";
import type { Database, TaskInstanceRow } from "../../schema.js";

/** The TIs of some tasks of a DAG that have left state none (all runs, or one), in key order; with `onlyFailed`, those that failed or were upstream_failed. */
export async function clearableTis(
  db: Kysely<Database>,
  sel: { dagId: string; taskIds: readonly string[]; runId?: string; onlyFailed?: boolean },
): Promise<TaskInstanceRow[]> {
  let q = db.selectFrom("task_instance").selectAll().where("dag_id", "=", sel.dagId).where("task_id", "in", [...sel.taskIds]).where("state", "!=", TaskState.NONE);
  if (sel.runId !== undefined) q = q.where("run_id", "=", sel.runId);
  if (sel.onlyFailed) q = q.where("state", "in", [TaskState.FAILED, TaskState.UPSTREAM_FAILED]);
  return q.orderBy("dag_run_id").orderBy("task_id").orderBy("map_index").execute();
}
