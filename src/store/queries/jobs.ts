import type { Kysely } from "kysely";
import type { Database, JobRow } from "../schema.js";

export const JobState = { RUNNING: "running", SUCCESS: "success", FAILED: "failed" } as const;
export type JobState = (typeof JobState)[keyof typeof JobState];

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

export async function endJob(db: Kysely<Database>, jobId: number, state: JobState, now: number): Promise<void> {
  await db.updateTable("job").set({ state, end_date: now }).where("id", "=", jobId).execute();
}

export async function listRunningJobs(db: Kysely<Database>, jobType: string): Promise<JobRow[]> {
  return db
    .selectFrom("job")
    .selectAll()
    .where("job_type", "=", jobType)
    .where("state", "=", JobState.RUNNING)
    .execute();
}

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
