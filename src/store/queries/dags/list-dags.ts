import type { Kysely } from "kysely";
import type { Database, DagRow } from "../../schema.js";

export async function listDags(db: Kysely<Database>, opts: { includeInactive?: boolean } = {}): Promise<DagRow[]> {
  let q = db.selectFrom("dag").selectAll();
  if (!opts.includeInactive) q = q.where("is_active", "=", 1);
  return q.orderBy("dag_id").execute();
}
