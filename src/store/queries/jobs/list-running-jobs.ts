import type { Kysely } from "kysely";
import type { Database, JobRow } from "../../schema.js";
import { JobState } from "./job-state.js";

export async function listRunningJobs(db: Kysely<Database>, jobType: string): Promise<JobRow[]> {
  return db
    .selectFrom("job")
    .selectAll()
    .where("job_type", "=", jobType)
    .where("state", "=", JobState.RUNNING)
    .execute();
}
