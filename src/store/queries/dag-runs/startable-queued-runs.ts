import type { Kysely } from "kysely";
import { DagRunState } from "../../../common/states.js";
import type { Database, DagRunRow } from "../../schema.js";

/** Queued runs of unpaused, active DAGs, oldest first: the runs a scheduler may start. */
export async function startableQueuedRuns(db: Kysely<Database>): Promise<DagRunRow[]> {
  return db
    .selectFrom("dag_run as r")
    .innerJoin("dag as d", "d.dag_id", "r.dag_id")
    .selectAll("r")
    .where("r.state", "=", DagRunState.QUEUED)
    .where("d.is_paused", "=", 0)
    .where("d.is_active", "=", 1)
    .orderBy("r.logical_date")
    .orderBy("r.id")
    .execute();
}
