import { z } from "../../common/zod.js";
import type { TaskInstanceKey } from "../../common/keys.js";
import type { EventInfo } from "../../common/workload.js";
import { eventInfoSchema } from "../../runner/workload-schema.js";

/** BullMQ's job name for a try (one kind of job: the name is only for people reading Redis). */
export const TRY_JOB_NAME = "try";

/**
 * The BullMQ job id of one try: its TI key and try number, each part URI-encoded and joined by
 * "/". Deterministic, so a try sent twice (a scheduler that restarts mid-send) is one job: BullMQ
 * ignores an add whose id exists. URI-encoding keeps ":" (run ids are full of them; BullMQ
 * forbids it in custom ids) and "/" out of the parts.
 */
export function jobIdFor(key: TaskInstanceKey): string {
  return [key.dagId, key.runId, key.taskId, String(key.mapIndex), String(key.tryNumber)].map(encodeURIComponent).join("/");
}

/** The try a job id names (jobIdFor's inverse), or null for an id that is not one (a job someone else added). */
export function keyOfJobId(jobId: string): TaskInstanceKey | null {
  const parts = jobId.split("/");
  if (parts.length !== 5) return null;
  try {
    const [dagId, runId, taskId, mapIndex, tryNumber] = parts.map(decodeURIComponent) as [string, string, string, string, string];
    if (!/^-?\d+$/.test(mapIndex) || !/^\d+$/.test(tryNumber)) return null;
    return { dagId, runId, taskId, mapIndex: Number(mapIndex), tryNumber: Number(tryNumber) };
  } catch {
    return null; // a malformed %-escape
  }
}

/**
 * BullMQ priorities run from 1 (first) to 2,097,151 (last); 0 means "none" and runs before every
 * prioritized job, so it is never used. Priority weights (higher first) map onto them
 * monotonically around the middle, clamped at both ends.
 */
export const BULLMQ_PRIORITY_MAX = 2_097_151;
const PRIORITY_MIDDLE = 1_048_576;

export function bullmqPriority(priorityWeight: number): number {
  return Math.min(BULLMQ_PRIORITY_MAX, Math.max(1, Math.round(PRIORITY_MIDDLE - priorityWeight)));
}

/**
 * What a worker writes as a job's progress once the try runs: who holds it, and its running event.
 * "accepted" (written at the take by workers of earlier versions) is still read: who holds it.
 */
export const tryProgressSchema = z.object({
  state: z.enum(["accepted", "running"]),
  worker: z.string(),
  hostname: z.string(),
  info: eventInfoSchema.optional(),
});
export type TryProgress = z.infer<typeof tryProgressSchema>;

/**
 * A completed job's return value: how the try ended. A failed try is a completed job too (see
 * docs/executors/bullmq.md). `running` is the try's running event when the worker wrote no
 * progress for it (the try ended before that write went out: a short try saves a round trip).
 */
export const tryResultSchema = z.object({
  state: z.enum(["success", "failed"]),
  worker: z.string(),
  info: eventInfoSchema,
  running: eventInfoSchema.optional(),
});
export type TryResult = { readonly state: "success" | "failed"; readonly worker: string; readonly info: EventInfo; readonly running?: EventInfo };

/** How long finished jobs (and their logs) stay in Redis: `tasks logs` reads a fleet try's log from there. */
export const KEEP_FINISHED_JOBS_SECONDS = 7 * 24 * 3600;
