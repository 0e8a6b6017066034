import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";
import type { JobState } from "./job-state.js";

export async function endJob(db: Kysely<Database>, jobId: number, state: JobState, now: number): Promise<void> {
  await db.updateTable("job").set({ state, end_date: now }).where("id", "=", jobId).execute();
}
