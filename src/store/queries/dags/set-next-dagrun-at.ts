import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";

export async function setNextDagrunAt(db: Kysely<Database>, dagId: string, at: number | null): Promise<void> {
  await db.updateTable("dag").set({ next_dagrun_at: at }).where("dag_id", "=", dagId).execute();
}
