import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";
import { JobState } from "./job-state.js";

export async function createJob(
  db: Kysely<Database>,
  job: { jobType: string; hostname: string; pid: number; now: number },
): Promise<number> {
  const row = await db
    .insertInto("job")
    .values({
      job_type: job.jobType,
      state: JobState.RUNNING,
      hostname: job.hostname,
      pid: job.pid,
      start_date: job.now,
      latest_heartbeat: job.now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return Number(row.id);
}
