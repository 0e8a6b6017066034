import type { Kysely } from "kysely";
import { TaskState } from "../../../common/states.js";
import type { Database } from "../../schema.js";

/** TIs that reached a state their downstream cares about since `since`: how the scheduler notices tries recorded by other processes. */
export async function recentlySettled(db: Kysely<Database>, since: number): Promise<Array<{ dag_run_id: number; task_id: string }>> {
  const rows = await db
    .selectFrom("task_instance")
    .select(["dag_run_id", "task_id"])
    .where("updated_at", ">=", since)
    .where("state", "in", [TaskState.SUCCESS, TaskState.FAILED, TaskState.SKIPPED, TaskState.UPSTREAM_FAILED, TaskState.UP_FOR_RETRY, TaskState.NONE])
    .execute();
  return rows.map((r) => ({ dag_run_id: Number(r.dag_run_id), task_id: r.task_id }));
}
