import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";
import { ACTIVE_TI_STATES } from "./ti-id.js";

/** Queued and running TIs counted per run, per (dag, task) and per (run, task): the critical section's concurrency maps. */
export async function activeTiCounts(db: Kysely<Database>) {
  return db
    .selectFrom("task_instance")
    .select(["dag_run_id", "dag_id", "task_id", "executor"])
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("state", "in", [...ACTIVE_TI_STATES])
    .groupBy(["dag_run_id", "dag_id", "task_id", "executor"])
    .execute();
}
