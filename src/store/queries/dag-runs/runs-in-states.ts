import type { Kysely } from "kysely";
import type { Database, DagRunRow } from "../../schema.js";

export async function runsInStates(db: Kysely<Database>, states: readonly string[]): Promise<DagRunRow[]> {
  return db.selectFrom("dag_run").selectAll().where("state", "in", [...states]).orderBy("id").execute();
}
