import type { Kysely } from "kysely";
import type { Database, DagRunRow } from "../../schema.js";

/** Those of the runs `ids` that are in one of `states`. */
export async function runsByIdInStates(db: Kysely<Database>, ids: readonly number[], states: readonly string[]): Promise<DagRunRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom("dag_run").selectAll().where("id", "in", [...ids]).where("state", "in", [...states]).execute();
}
