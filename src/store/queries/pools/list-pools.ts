import type { Kysely } from "kysely";
import type { Database, PoolRow } from "../../schema.js";

export async function listPools(db: Kysely<Database>): Promise<PoolRow[]> {
  return db.selectFrom("pool").selectAll().orderBy("name").execute();
}
