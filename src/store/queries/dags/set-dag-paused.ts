import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";
import { getDag } from "./get-dag.js";

export async function setDagPaused(db: Kysely<Database>, dagId: string, paused: boolean): Promise<void> {
  await getDag(db, dagId);
  await db.updateTable("dag").set({ is_paused: paused ? 1 : 0 }).where("dag_id", "=", dagId).execute();
}
