import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";
import { ACTIVE_TI_STATES } from "./ti-id.js";

/** Queued and running TIs of one (run, task, executor, pool, state): how many, and the pool slots they take. */
export interface ActiveTiGroup {
  dag_run_id: number;
  dag_id: string;
  task_id: string;
  executor: string;
  pool: string;
  state: string;
  n: number;
  slots: number;
}

/**
 * Queued and running TIs grouped finely enough for every count the critical section keeps: per
 * run, per (dag, task), per (run, task), per executor (its concurrency maps) and per pool and
 * state (pool usage), read in one statement under the scheduling lock.
 */
export async function activeTiCounts(db: Kysely<Database>): Promise<ActiveTiGroup[]> {
  const rows = await db
    .selectFrom("task_instance")
    .select(["dag_run_id", "dag_id", "task_id", "executor", "pool", "state"])
    .select((eb) => [eb.fn.countAll<number>().as("n"), eb.fn.sum<number>("pool_slots").as("slots")])
    .where("state", "in", [...ACTIVE_TI_STATES])
    .groupBy(["dag_run_id", "dag_id", "task_id", "executor", "pool", "state"])
    .execute();
  return rows.map((r) => ({ ...r, dag_run_id: Number(r.dag_run_id), n: Number(r.n), slots: Number(r.slots) }));
}
