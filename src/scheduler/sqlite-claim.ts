import os from "node:os";
import { SwitchyardError } from "../common/errors.js";
import type { Store } from "../store/connect.js";
import { DialectKind } from "../store/dialect.js";
import { endJob, JobState, listRunningJobs } from "../store/queries/jobs.js";
import { SCHEDULER_JOB } from "./adoption.js";
import { processAlive } from "../common/process-alive.js";

/**
 * SQLite has one writer at a time: two schedulers on one file take turns at its lock and report
 * "database is locked" to each other. So the scheduler registered first keeps the database and a
 * later one (a higher job id) is refused — checked after registering, so two that start together
 * cannot both pass. A job whose heartbeat is older than the health-check threshold, or whose
 * process is gone from this host (killed outright), does not count, so a restart goes through;
 * adoption then declares it dead and takes its task instances over as it does for any peer.
 */
export async function claimSqliteDatabase(store: Store, opts: { jobId: number; healthCheckThresholdMs: number; now: number }): Promise<void> {
  if (store.kind !== DialectKind.SQLITE) return;
  const host = os.hostname();
  const others = (await listRunningJobs(store.db, SCHEDULER_JOB)).filter((j) => Number(j.id) !== opts.jobId);
  const gone = (j: (typeof others)[number]) => Number(j.latest_heartbeat) < opts.now - opts.healthCheckThresholdMs || (j.hostname === host && !processAlive(j.pid));
  const holder = others.find((j) => Number(j.id) < opts.jobId && !gone(j));
  if (holder === undefined) return;
  await endJob(store.db, opts.jobId, JobState.FAILED, opts.now);
  throw new SwitchyardError(
    "SCHEDULER_ALREADY_RUNNING",
    `another scheduler (job ${holder.id}, pid ${holder.pid} on ${holder.hostname}) is running on this SQLite database; SQLite allows one scheduler at a time: stop that one, or use PostgreSQL ([database] url = "postgresql://…") to run several schedulers`,
  );
}
