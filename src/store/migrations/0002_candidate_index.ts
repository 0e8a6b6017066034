import type { Kysely } from "kysely";
import { sql } from "../kysely.js";
import type { DialectKind } from "../dialect.js";

/**
 * The critical section asks each running run for its scheduled TIs in claim order (priority
 * weight descending, then map index, then task id) with a LIMIT. With this index that is a short
 * index range read; before, every pass read and sorted every scheduled TI of the run (10,000 per
 * pass on a 10,000-task fan-out). Its (dag_run_id, state) prefix serves every query the index it
 * replaces did, so the number of indexes a state change updates stays the same.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was, not the current types */
export async function up(db: Kysely<any>, _kind: DialectKind): Promise<void> {
  await db.schema.dropIndex("ti_dag_run_state_idx").execute();
  await sql`create index ti_run_claim_idx on task_instance (dag_run_id, state, priority_weight desc, map_index, task_id)`.execute(db);
}
