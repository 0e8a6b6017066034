import type { Kysely } from "kysely";
import { DagRunState } from "../../../common/states.js";
import type { Database } from "../../schema.js";

/** Sets a finished run back to queued (a clear reopened it), if it is still in the state it was read in. */
export async function requeueDagRun(db: Kysely<Database>, run: { id: number; state: string }, now: number): Promise<void> {
  await db
    .updateTable("dag_run")
    .set({ state: DagRunState.QUEUED, start_date: null, end_date: null, queued_at: now })
    .where("id", "=", run.id)
    .where("state", "=", run.state)
    .execute();
}
