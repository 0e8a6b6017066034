import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { CompiledBullMQExecutorOptions } from "./options.js";
import { readWorkers, workerAlive, WorkerState } from "./worker-registry.js";

/** One row of `switchyard fleet queues`: a BullMQ queue under an executor's prefix. */
export interface FleetQueueView {
  readonly executor: string;
  readonly queue: string;
  /** Jobs no worker has taken yet (BullMQ's `wait` and `prioritized`: every try has a priority). */
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  /** Jobs a worker could not run at all (a failed *try* is a completed job: see docs/executors/bullmq.md). */
  readonly failed: number;
  /** Age of the oldest waiting job, ms; null when nothing waits. */
  readonly oldestWaitingMs: number | null;
  /** Live workers that serve this queue. */
  readonly workers: number;
}

/**
 * The queues under `prefix`: those BullMQ has keys for (each has a `meta` hash once a job was
 * added), and those a registered worker serves, even before any job came. BullMQ forbids ":" in
 * queue names, so a longer prefix's keys (`P:x:q:meta`) are told apart by the ":" left over.
 */
async function queueNames(redis: Redis, prefix: string, served: Iterable<string>): Promise<string[]> {
  const names = new Set(served);
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*:meta`, "COUNT", 1000);
    cursor = next;
    for (const key of keys) {
      const name = key.slice(prefix.length + 1, -":meta".length);
      if (name !== "" && !name.includes(":")) names.add(name);
    }
  } while (cursor !== "0");
  return [...names].sort();
}

/** The enqueue time of the oldest waiting job, from the jobs' own hashes (a prioritized job's place says nothing of its age). */
async function oldestWaiting(redis: Redis, queue: Queue): Promise<number | null> {
  const ids = await queue.getRanges(["wait", "prioritized"], 0, -1);
  let oldest: number | null = null;
  for (let i = 0; i < ids.length; i += 1000) {
    const pipeline = redis.pipeline();
    for (const id of ids.slice(i, i + 1000)) pipeline.hget(queue.toKey(id), "timestamp");
    for (const [error, value] of (await pipeline.exec()) ?? []) {
      const ts = error === null && typeof value === "string" ? Number(value) : NaN;
      if (Number.isFinite(ts) && (oldest === null || ts < oldest)) oldest = ts;
    }
  }
  return oldest;
}

/** What waits, runs and failed on each queue of an executor, with BullMQ's own getters. */
export async function listFleetQueues(redis: Redis, executor: string, options: CompiledBullMQExecutorOptions, now: number): Promise<FleetQueueView[]> {
  const records = (await readWorkers(redis, options.prefix)).filter((r) => r.state !== WorkerState.STOPPED);
  const live = records.filter((r) => workerAlive(r, now, options.workerTimeoutMs));
  const rows: FleetQueueView[] = [];
  for (const name of await queueNames(redis, options.prefix, records.flatMap((r) => r.queues))) {
    const queue = new Queue(name, { connection: redis, prefix: options.prefix });
    try {
      const counts = await queue.getJobCounts("wait", "prioritized", "active", "delayed", "failed");
      const oldest = await oldestWaiting(redis, queue);
      rows.push({
        executor,
        queue: name,
        waiting: (counts["wait"] ?? 0) + (counts["prioritized"] ?? 0),
        active: counts["active"] ?? 0,
        delayed: counts["delayed"] ?? 0,
        failed: counts["failed"] ?? 0,
        oldestWaitingMs: oldest === null ? null : Math.max(0, now - oldest),
        workers: live.filter((r) => r.queues.includes(name)).length,
      });
    } finally {
      await queue.close();
    }
  }
  return rows;
}
