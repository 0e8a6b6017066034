import type { Kysely } from "kysely";
import { isTerminalTaskState, TaskState } from "../../../common/states.js";
import type { Database } from "../../schema.js";

/** Every state but the terminal ones: an IN list probes the (dag_run_id, state) index once per state. */
const UNFINISHED_STATES: readonly string[] = Object.values(TaskState).filter((s) => !isTerminalTaskState(s));

/** Whether a run has any TI left to finish. Stops at the first, where countUnfinished counts them all on every pass. */
export async function hasUnfinished(db: Kysely<Database>, dagRunId: number): Promise<boolean> {
  const row = await db
    .selectFrom("task_instance")
    .select("task_id")
    .where("dag_run_id", "=", dagRunId)
    .where("state", "in", [...UNFINISHED_STATES])
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
