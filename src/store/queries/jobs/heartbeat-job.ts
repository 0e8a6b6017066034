import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";
import { JobState } from "./job-state.js";

/** Renews a running job's heartbeat. False when the job is no longer running: another scheduler declared it dead. */
export async function heartbeatJob(db: Kysely<Database>, jobId: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable("job")
    .set({ latest_heartbeat: now })
    .where("id", "=", jobId)
    .where("state", "=", JobState.RUNNING)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
