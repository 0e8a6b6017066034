import type { Kysely } from "kysely";
import { TaskState } from "../../../common/states.js";
import type { Database } from "../../schema.js";
import { runStatement, statementText } from "../../sql-text.js";

/** When the earliest retry delay runs out (null: none is waiting). Asked before every idle wait: written once (sql-text.ts). */
export async function nextRetryDue(db: Kysely<Database>): Promise<number | null> {
  const text = statementText(db, "next-retry-due", () => "select min(next_retry_at) as at from task_instance where state = ?");
  const { rows } = await runStatement<{ at: number | string | null }, Database>(db, text, [TaskState.UP_FOR_RETRY]);
  const at = rows[0]?.at;
  return at == null ? null : Number(at);
}
