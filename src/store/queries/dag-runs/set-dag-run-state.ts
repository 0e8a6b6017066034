import type { Kysely } from "kysely";
import type { DagRunState } from "../../../common/states.js";
import type { Database } from "../../schema.js";

export async function setDagRunState(
  db: Kysely<Database>,
  dagRunId: number,
  update: { state: DagRunState; startDate?: number; endDate?: number },
): Promise<void> {
  await db
    .updateTable("dag_run")
    .set({
      state: update.state,
      ...(update.startDate !== undefined ? { start_date: update.startDate } : {}),
      ...(update.endDate !== undefined ? { end_date: update.endDate } : {}),
    })
    .where("id", "=", dagRunId)
    .execute();
}
