import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";
import type { TiStateRow } from "./task-states.js";

/**
 * States of some tasks of one run, found through the primary key (dag_id, run_id, task_id): the
 * cost follows the number of tasks asked for, not the size of the run, unlike a lookup by
 * dag_run_id, which walks every TI of the run.
 */
export async function runTaskStates(db: Kysely<Database>, run: { dagId: string; runId: string }, taskIds: readonly string[]): Promise<TiStateRow[]> {
  const out: TiStateRow[] = [];
  for (let i = 0; i < taskIds.length; i += 500) {
    const rows = await db
      .selectFrom("task_instance")
      .select(["task_id", "state", "try_number", "max_tries", "next_retry_at"])
      .where("dag_id", "=", run.dagId)
      .where("run_id", "=", run.runId)
      .where("task_id", "in", taskIds.slice(i, i + 500))
      .execute();
    out.push(...rows);
  }
  return out;
}
