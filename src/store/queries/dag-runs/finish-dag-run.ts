import type { Kysely } from "kysely";
import { DagRunState } from "../../../common/states.js";
import type { Database } from "../../schema.js";

/** Ends a running run in `state`. False when it was not running any more (another scheduler finished it). */
export async function finishDagRun(db: Kysely<Database>, dagRunId: number, state: DagRunState, now: number): Promise<boolean> {
  const result = await db
    .updateTable("dag_run")
    .set({ state, end_date: now })
    .where("id", "=", dagRunId)
    .where("state", "=", DagRunState.RUNNING)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
