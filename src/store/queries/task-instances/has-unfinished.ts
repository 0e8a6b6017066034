import type { Kysely } from "kysely";
import { isTerminalTaskState, TaskState } from "../../../common/states.js";
import type { Database } from "../../schema.js";
import { runStatement, statementText } from "../../sql-text.js";

/** Every state but the terminal ones: an IN list probes the (dag_run_id, state) index once per state. */
const UNFINISHED_STATES: readonly string[] = Object.values(TaskState).filter((s) => !isTerminalTaskState(s));

/**
 * Whether a run has any TI left to finish. Stops at the first, where countUnfinished counts them
 * all on every pass. Dependency evaluation asks it every pass a try ended in, so its text is
 * written once (sql-text.ts), not built per call.
 */
export async function hasUnfinished(db: Kysely<Database>, dagRunId: number): Promise<boolean> {
  const text = statementText(db, "has-unfinished", () => `select task_id from task_instance where dag_run_id = ? and state in (${UNFINISHED_STATES.map(() => "?").join(", ")}) limit 1`);
  const { rows } = await runStatement<{ task_id: string }, Database>(db, text, [dagRunId, ...UNFINISHED_STATES]);
  return rows.length > 0;
}
