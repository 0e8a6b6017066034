import type { Kysely } from "kysely";
import { DagRunState } from "../../../common/states.js";
import type { Database } from "../../schema.js";

/** A DAG's queued and running runs: what maxActiveRuns limits when runs are created. */
export async function countActiveRuns(db: Kysely<Database>, dagId: string): Promise<number> {
  const row = await db
    .selectFrom("dag_run")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("dag_id", "=", dagId)
    .where("state", "in", [DagRunState.QUEUED, DagRunState.RUNNING])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
