import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";
import { JobState } from "./job-state.js";

/**
 * Declares dead the running jobs of a type whose heartbeat is older than `cutoff`. The age is
 * checked by the UPDATE itself, not by an earlier read: a job that heartbeat in the meantime is
 * left alone. Returns the ids this call marked.
 */
export async function markStaleJobsFailed(
  db: Kysely<Database>,
  opts: { jobType: string; cutoff: number; exceptId: number; now: number },
): Promise<number[]> {
  const rows = await db
    .updateTable("job")
    .set({ state: JobState.FAILED, end_date: opts.now })
    .where("job_type", "=", opts.jobType)
    .where("state", "=", JobState.RUNNING)
    .where("id", "!=", opts.exceptId)
    .where("latest_heartbeat", "<", opts.cutoff)
    .returning("id")
    .execute();
  return rows.map((r) => Number(r.id));
}
