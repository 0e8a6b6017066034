// Statements on job (schedulers and other long-running processes), one per module in jobs/.
export { createJob } from "./jobs/create-job.js";
export { endJob } from "./jobs/end-job.js";
export { heartbeatJob } from "./jobs/heartbeat-job.js";
export { JobState } from "./jobs/job-state.js";
export { listRunningJobs } from "./jobs/list-running-jobs.js";
export { markJobsFailed } from "./jobs/mark-jobs-failed.js";
export { markStaleJobsFailed } from "./jobs/mark-stale-jobs-failed.js";
