import type { Kysely } from "kysely";
import type { Database, TaskInstanceRow } from "../../schema.js";

/** What dependency evaluation reads of a TI. */
export type TiStateRow = Pick<TaskInstanceRow, "task_id" | "state" | "try_number" | "max_tries" | "next_retry_at">;

/** States of some tasks of one run (for incremental dependency evaluation). */
export async function taskStates(db: Kysely<Database>, dagRunId: number, taskIds: readonly string[] | "all"): Promise<TiStateRow[]> {
  const base = db
    .selectFrom("task_instance")
    .select(["task_id", "state", "try_number", "max_tries", "next_retry_at"])
    .where("dag_run_id", "=", dagRunId);
  if (taskIds === "all") return base.execute();
  const out: TiStateRow[] = [];
  const ids = [...taskIds];
  for (let i = 0; i < ids.length; i += 500) {
    out.push(...(await base.where("task_id", "in", ids.slice(i, i + 500)).execute()));
  }
  return out;
}
