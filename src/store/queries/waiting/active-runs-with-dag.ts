import type { Kysely } from "kysely";
import { DagRunState } from "../../../common/states.js";
import type { Database } from "../../schema.js";

export interface ActiveRun {
  id: number;
  dag_id: string;
  run_id: string;
  state: string;
  /** Null when the DAG has no row (never parsed, or deleted). */
  is_paused: number | null;
  is_active: number | null;
}

/** Queued and running runs with their DAG's paused and active flags, oldest first. */
export async function activeRunsWithDag(db: Kysely<Database>): Promise<ActiveRun[]> {
  const rows = await db
    .selectFrom("dag_run as r")
    .leftJoin("dag as d", "d.dag_id", "r.dag_id")
    .select(["r.id", "r.dag_id", "r.run_id", "r.state", "d.is_paused", "d.is_active"])
    .where("r.state", "in", [DagRunState.QUEUED, DagRunState.RUNNING])
    .orderBy("r.logical_date")
    .orderBy("r.id")
    .execute();
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}
