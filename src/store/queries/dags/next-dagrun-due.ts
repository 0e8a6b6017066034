import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";
import { runStatement, statementText } from "../../sql-text.js";

/** When the earliest scheduled run of an unpaused active DAG is due (null: none is). Asked before every idle wait: written once (sql-text.ts). */
export async function nextDagrunDue(db: Kysely<Database>): Promise<number | null> {
  const text = statementText(db, "next-dagrun-due", () => "select min(next_dagrun_at) as at from dag where is_active = ? and is_paused = ?");
  const { rows } = await runStatement<{ at: number | string | null }, Database>(db, text, [1, 0]);
  const at = rows[0]?.at;
  return at == null ? null : Number(at);
}
