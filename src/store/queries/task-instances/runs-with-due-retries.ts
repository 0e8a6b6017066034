import type { Kysely } from "kysely";
import { TaskState } from "../../../common/states.js";
import type { Database } from "../../schema.js";

/** Runs with retries that have come due. */
export async function runsWithDueRetries(db: Kysely<Database>, now: number): Promise<Array<{ dag_run_id: number; task_id: string }>> {
  const rows = await db
    .selectFrom("task_instance")
    .select(["dag_run_id", "task_id"])
    .where("state", "=", TaskState.UP_FOR_RETRY)
    .where("next_retry_at", "<=", now)
    .execute();
  return rows.map((r) => ({ dag_run_id: Number(r.dag_run_id), task_id: r.task_id }));
}
