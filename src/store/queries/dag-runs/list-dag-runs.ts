import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";

export async function listDagRuns(db: Kysely<Database>, dagId: string, opts: { state?: string; limit?: number } = {}) {
  let q = db.selectFrom("dag_run").selectAll().where("dag_id", "=", dagId);
  if (opts.state) q = q.where("state", "=", opts.state);
  return q.orderBy("logical_date", "desc").orderBy("id", "desc").limit(opts.limit ?? 100).execute();
}
