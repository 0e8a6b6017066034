import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";

/** The serialized definition of a DAG, active or not, as the last parse wrote it (undefined: no such DAG). */
export async function getSerializedDag(db: Kysely<Database>, dagId: string): Promise<{ serialized: string } | undefined> {
  return db.selectFrom("dag").select("serialized").where("dag_id", "=", dagId).executeTakeFirst();
}
