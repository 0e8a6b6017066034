/**
 * The worker registry: what each `switchyard worker` says about itself, in Redis, beside the
 * BullMQ queues it serves. The BullMQExecutor reads it to tell a live worker from a dead one
 * (`worker_timeout`), and `switchyard fleet workers` lists it.
 *
 * Key layout under an executor's prefix P (BullMQ's own keys are `P:<queue>:…`; a queue name is
 * never empty, so `P::…` can only be ours):
 * - `P::workers` — hash: worker name → JSON WorkerRecord, rewritten by the worker every heartbeat.
 *   A record whose heartbeat is older than a day is dropped by the next worker that writes.
 * - `P::revoke` — hash: `<queue>/<jobId>` → reason. The executor asks the worker holding an
 *   active job to stop it; the worker deletes the field once it has.
 * - `P:<queue>:<jobId>` and `P:<queue>:<jobId>:logs` — BullMQ's job hash and log list; the job
 *   data is the Workload JSON, its progress a TryProgress, its return value a TryResult.
 */
import type { Redis } from "ioredis";
import { z } from "../../common/zod.js";

export const WorkerState = {
  RUNNING: "running",
  /** SIGTERM: takes no new tries, finishes those it has. */
  DRAINING: "draining",
  STOPPED: "stopped",
} as const;
export type WorkerState = (typeof WorkerState)[keyof typeof WorkerState];

const workerRecordSchema = z.object({
  name: z.string(),
  hostname: z.string(),
  pid: z.number().int(),
  queues: z.array(z.string()),
  concurrency: z.number().int(),
  /** The tries it holds: BullMQ job ids by queue. */
  running: z.array(z.object({ queue: z.string(), jobId: z.string() })),
  /** Epoch ms. */
  lastHeartbeat: z.number(),
  startedAt: z.number(),
  state: z.enum([WorkerState.RUNNING, WorkerState.DRAINING, WorkerState.STOPPED]),
});
export type WorkerRecord = z.infer<typeof workerRecordSchema>;

/** Records older than this are removed when a worker writes its own. */
const FORGET_AFTER_MS = 24 * 3600 * 1000;

export function workersKey(prefix: string): string {
  return `${prefix}::workers`;
}

export function revokeKey(prefix: string): string {
  return `${prefix}::revoke`;
}

export function revokeField(queue: string, jobId: string): string {
  return `${queue}/${jobId}`;
}

/** Every worker record under `prefix`; a field that does not parse is skipped (a newer or broken writer). */
export async function readWorkers(redis: Redis, prefix: string): Promise<WorkerRecord[]> {
  const raw = await redis.hgetall(workersKey(prefix));
  const records: WorkerRecord[] = [];
  for (const value of Object.values(raw)) {
    try {
      const parsed = workerRecordSchema.safeParse(JSON.parse(value));
      if (parsed.success) records.push(parsed.data);
    } catch {
      // Not JSON: not a record we can read.
    }
  }
  return records;
}

/** Write (or replace) a worker's record, and drop records nobody has renewed for a day. */
export async function writeWorker(redis: Redis, prefix: string, record: WorkerRecord, others: readonly WorkerRecord[] = []): Promise<void> {
  const stale = others.filter((r) => r.name !== record.name && record.lastHeartbeat - r.lastHeartbeat > FORGET_AFTER_MS).map((r) => r.name);
  const tx = redis.multi().hset(workersKey(prefix), record.name, JSON.stringify(record));
  if (stale.length > 0) tx.hdel(workersKey(prefix), ...stale);
  await tx.exec();
}

/** Whether a worker counts as alive at `now`: it heartbeated within `timeoutMs` and has not stopped. */
export function workerAlive(record: WorkerRecord | undefined, now: number, timeoutMs: number): boolean {
  return record !== undefined && record.state !== WorkerState.STOPPED && now - record.lastHeartbeat <= timeoutMs;
}

/** Why a worker's tries are lost, for the failed event and the log. */
export function lostWorkerReason(name: string, record: WorkerRecord | undefined, now: number): string {
  if (record === undefined) return `worker ${name} is gone (it has no record in Redis: its heartbeat stopped, or Redis lost its data)`;
  const host = `on host ${record.hostname} (pid ${record.pid})`;
  if (record.state === WorkerState.STOPPED) return `worker ${name} ${host} stopped without finishing this try`;
  return `worker ${name} ${host} stopped heartbeating ${Math.round((now - record.lastHeartbeat) / 1000)} s ago`;
}
