import type { Kysely } from "kysely";
import { DagRunState } from "../../../common/states.js";
import type { Database } from "../../schema.js";

/** Moves a queued run to running. False when it was not queued any more (another scheduler started it). */
export async function startDagRun(db: Kysely<Database>, dagRunId: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable("dag_run")
    .set({ state: DagRunState.RUNNING, start_date: now })
    .where("id", "=", dagRunId)
    .where("state", "=", DagRunState.QUEUED)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
