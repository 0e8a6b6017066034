import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";
import { JobState } from "./job-state.js";

/** Marks running jobs failed. Returns the ids this call marked (not those already ended). */
export async function markJobsFailed(db: Kysely<Database>, ids: readonly number[], now: number): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable("job")
    .set({ state: JobState.FAILED, end_date: now })
    .where("id", "in", [...ids])
    .where("state", "=", JobState.RUNNING)
    .returning("id")
    .execute();
  return rows.map((r) => Number(r.id));
}
