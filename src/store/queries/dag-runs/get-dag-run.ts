import type { Kysely } from "kysely";
import { StoreError, StoreErrorCode } from "../../errors.js";
import type { Database, DagRunRow } from "../../schema.js";

export async function getDagRun(db: Kysely<Database>, dagId: string, runId: string): Promise<DagRunRow> {
  const row = await db.selectFrom("dag_run").selectAll().where("dag_id", "=", dagId).where("run_id", "=", runId).executeTakeFirst();
  if (!row) {
    const recent = await db
      .selectFrom("dag_run")
      .select("run_id")
      .where("dag_id", "=", dagId)
      .orderBy("id", "desc")
      .limit(5)
      .execute();
    throw new StoreError(
      StoreErrorCode.NOT_FOUND,
      `DAG '${dagId}' has no run '${runId}'; ${recent.length ? `recent runs: ${recent.map((r) => r.run_id).join(", ")}` : "it has no runs yet"}`,
    );
  }
  return row;
}
