import type { Kysely } from "kysely";
import { TaskState } from "../../../common/states.js";
import type { Database } from "../../schema.js";

export async function countUnfinished(db: Kysely<Database>, dagRunId: number): Promise<number> {
  const row = await db
    .selectFrom("task_instance")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("dag_run_id", "=", dagRunId)
    .where("state", "not in", [TaskState.SUCCESS, TaskState.FAILED, TaskState.SKIPPED, TaskState.UPSTREAM_FAILED, TaskState.REMOVED])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
