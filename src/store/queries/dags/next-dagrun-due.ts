import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";

/** When the earliest scheduled run of an unpaused active DAG is due (null: none is). */
export async function nextDagrunDue(db: Kysely<Database>): Promise<number | null> {
  const row = await db
    .selectFrom("dag")
    .select((eb) => eb.fn.min("next_dagrun_at").as("at"))
    .where("is_active", "=", 1)
    .where("is_paused", "=", 0)
    .executeTakeFirst();
  return row?.at == null ? null : Number(row.at);
}
