import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";
import { runStatement, statementText } from "../../sql-text.js";
import type { TiStateRow } from "./task-states.js";

/** Task ids per statement: well under SQLite's bound-parameter cap. */
const CHUNK = 500;

/**
 * States of some tasks of one run, found through the primary key (dag_id, run_id, task_id): the
 * cost follows the number of tasks asked for, not the size of the run, unlike a lookup by
 * dag_run_id, which walks every TI of the run. Dependency evaluation asks this every pass, so its
 * text is cached per id count (sql-text.ts).
 */
export async function runTaskStates(db: Kysely<Database>, run: { dagId: string; runId: string }, taskIds: readonly string[]): Promise<TiStateRow[]> {
  const out: TiStateRow[] = [];
  for (let i = 0; i < taskIds.length; i += CHUNK) {
    const chunk = taskIds.slice(i, i + CHUNK);
    const text = statementText(
      db,
      `run-task-states|${chunk.length}`,
      () => `select task_id, state, try_number, max_tries, next_retry_at from task_instance where dag_id = ? and run_id = ? and task_id in (${chunk.map(() => "?").join(", ")})`,
    );
    const { rows } = await runStatement<TiStateRow, Database>(db, text, [run.dagId, run.runId, ...chunk]);
    out.push(...rows);
  }
  return out;
}
