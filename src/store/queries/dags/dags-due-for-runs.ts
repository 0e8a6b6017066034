import type { Kysely } from "kysely";
import type { Database, DagRow } from "../../schema.js";

/** Unpaused active DAGs whose next scheduled run is due. */
export async function dagsDueForRuns(db: Kysely<Database>, now: number): Promise<DagRow[]> {
  return db
    .selectFrom("dag")
    .selectAll()
    .where("is_active", "=", 1)
    .where("is_paused", "=", 0)
    .where("next_dagrun_at", "is not", null)
    .where("next_dagrun_at", "<=", now)
    .execute();
}
