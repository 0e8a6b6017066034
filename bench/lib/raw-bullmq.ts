/**
 * Raw-BullMQ baselines: the same no-op jobs through BullMQ alone (a producer here, plain BullMQ
 * workers in child processes), measured in the same run as the BullMQExecutor figures. They are
 * the floor the fleet is compared with: what Redis and BullMQ cost on this machine.
 */
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), "raw-bullmq-worker.mjs");
export const BENCH_REDIS_URL = process.env.SWITCHYARD_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

interface WorkerReport {
  count: number;
  firstStart: number;
  lastEnd: number;
}

export interface RawFanoutResult {
  /** Jobs / (last end - first start), over all workers. */
  readonly perSecond: number;
  /** Jobs / (last end - first add call). */
  readonly addToDonePerSecond: number;
}

async function startWorkers(queueName: string, prefix: string, workers: number, concurrency: number): Promise<ChildProcess[]> {
  const children = Array.from({ length: workers }, () =>
    fork(WORKER, [queueName, prefix, String(concurrency), BENCH_REDIS_URL], { execArgv: [], serialization: "json", stdio: ["ignore", "inherit", "inherit", "ipc"] }),
  );
  await Promise.all(children.map((c) => once(c, "message")));
  return children;
}

async function stopWorkers(children: readonly ChildProcess[]): Promise<WorkerReport[]> {
  return Promise.all(
    children.map(async (c) => {
      const report = once(c, "message");
      c.send("stop");
      return (await report)[0] as WorkerReport;
    }),
  );
}

/** Deletes every key under the prefix (the baseline's queues are throwaway). */
export async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

async function withQueue<T>(label: string, body: (queue: Queue, name: string, prefix: string) => Promise<T>): Promise<T> {
  const prefix = `switchyard-bench-raw-${process.pid}-${label}`;
  const name = "default";
  const redis = new Redis(BENCH_REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection: redis, prefix });
  try {
    return await body(queue, name, prefix);
  } finally {
    await queue.close();
    await dropPrefix(redis, prefix);
    await redis.quit();
  }
}

/** `n` no-op jobs added in bulk, run by `workers` processes of `concurrency` each. */
export function rawBullmqFanout(n: number, workers: number, concurrency: number): Promise<RawFanoutResult> {
  return withQueue("fanout", async (queue, name, prefix) => {
    const children = await startWorkers(name, prefix, workers, concurrency);
    const t0 = Date.now();
    for (let i = 0; i < n; i += 1000) {
      await queue.addBulk(Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ name: "noop", data: { i: i + j }, opts: { removeOnComplete: true } })));
    }
    // Completed jobs are removed: the queue is done when nothing is waiting or active.
    for (;;) {
      const counts = await queue.getJobCounts("waiting", "active", "prioritized", "delayed");
      if (Object.values(counts).every((c) => c === 0)) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const reports = await stopWorkers(children);
    const done = reports.reduce((a, r) => a + r.count, 0);
    if (done !== n) throw new Error(`raw BullMQ fanout: ${done} of ${n} jobs ran`);
    const first = Math.min(...reports.map((r) => r.firstStart));
    const last = Math.max(...reports.map((r) => r.lastEnd));
    return { perSecond: n / ((last - first) / 1000), addToDonePerSecond: n / ((last - t0) / 1000) };
  });
}

/**
 * `n` jobs one after another, each added when the previous one's completion is heard (as a
 * scheduler would): hop = a job's start minus the previous job's end, as BullMQ records them.
 */
export function rawBullmqHop(n: number): Promise<number[]> {
  return withQueue("hop", async (queue, name, prefix) => {
    const children = await startWorkers(name, prefix, 1, 1);
    const events = new QueueEvents(name, { connection: { url: BENCH_REDIS_URL }, prefix });
    await events.waitUntilReady();
    const hops: number[] = [];
    let previousEnd: number | null = null;
    try {
      for (let i = 0; i < n; i++) {
        const job = await queue.add("noop", { i });
        await job.waitUntilFinished(events);
        const done = await queue.getJob(job.id!);
        if (done?.processedOn === undefined || done.finishedOn === undefined) throw new Error(`raw BullMQ hop: job ${job.id} has no processedOn/finishedOn`);
        if (previousEnd !== null) hops.push(done.processedOn - previousEnd);
        previousEnd = done.finishedOn;
      }
    } finally {
      await events.close();
      await stopWorkers(children);
    }
    return hops;
  });
}
