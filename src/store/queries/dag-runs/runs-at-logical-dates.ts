import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";

/** A DAG's runs at any of `dates`, by logical date. */
export async function runsAtLogicalDates(db: Kysely<Database>, dagId: string, dates: readonly number[]): Promise<Array<{ run_id: string; logical_date: number }>> {
  if (dates.length === 0) return [];
  return db.selectFrom("dag_run").select(["run_id", "logical_date"]).where("dag_id", "=", dagId).where("logical_date", "in", [...dates]).orderBy("logical_date").execute();
}
