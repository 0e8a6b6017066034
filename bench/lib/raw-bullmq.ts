/**
 * Raw-BullMQ baselines: the same jobs through BullMQ alone (a producer here, plain BullMQ workers
 * in child processes), measured in the same run as what they are set beside: the floor of the
 * BullMQExecutor's figures (no-op jobs, `fleet`), and BullMQ's rows of `peers` (`bash -c true`).
 */
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { epochMs } from "./bash-true.mjs";
import { spansFromReports, wallSeconds, type Span, type TryReport } from "./spans.js";
import { minMax } from "./timing.js";

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), "raw-bullmq-worker.mjs");
export const BENCH_REDIS_URL = process.env.SWITCHYARD_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

/** What each job does: nothing (the fleet's floor), or one `bash -c true` (the peers benchmark). */
export type RawJob = "noop" | "bash";

interface WorkerReport {
  tries: TryReport;
}

export interface RawFanoutResult {
  /** Jobs / (last end - first start), over all workers. */
  readonly perSecond: number;
  /** Jobs / (last end - first add call). */
  readonly addToDonePerSecond: number;
  /** Each job's start and end as its processor saw them, by job index. */
  readonly spans: Span[];
}

export interface RawFanoutOptions {
  /** @defaultValue "noop" */
  readonly job?: RawJob;
  /**
   * "bulk": `addBulk` in batches of 1,000 with `removeOnComplete` (BullMQ's batching); "each": one
   * `add` per job with BullMQ's default job options (completed jobs are kept). @defaultValue "bulk"
   */
  readonly add?: "bulk" | "each";
}

async function startWorkers(queueName: string, prefix: string, workers: number, concurrency: number, job: RawJob): Promise<ChildProcess[]> {
  const children = Array.from({ length: workers }, () =>
    fork(WORKER, [queueName, prefix, String(concurrency), BENCH_REDIS_URL, job], { execArgv: [], serialization: "json", stdio: ["ignore", "inherit", "inherit", "ipc"] }),
  );
  await Promise.all(children.map((c) => once(c, "message")));
  return children;
}

async function stopWorkers(children: readonly ChildProcess[]): Promise<TryReport[]> {
  return Promise.all(
    children.map(async (c) => {
      const report = once(c, "message");
      c.send("stop");
      return ((await report)[0] as WorkerReport).tries;
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

let queues = 0;

async function withQueue<T>(label: string, body: (queue: Queue, name: string, prefix: string) => Promise<T>): Promise<T> {
  const prefix = `switchyard-bench-raw-${process.pid}-${label}-${++queues}`;
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

/** `n` jobs, run by `workers` processes of `concurrency` each. */
export function rawBullmqFanout(n: number, workers: number, concurrency: number, options: RawFanoutOptions = {}): Promise<RawFanoutResult> {
  const add = options.add ?? "bulk";
  return withQueue("fanout", async (queue, name, prefix) => {
    const children = await startWorkers(name, prefix, workers, concurrency, options.job ?? "noop");
    const t0 = epochMs();
    if (add === "bulk") {
      for (let i = 0; i < n; i += 1000) {
        await queue.addBulk(Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ name: "job", data: { i: i + j }, opts: { removeOnComplete: true } })));
      }
    } else {
      for (let i = 0; i < n; i++) await queue.add("job", { i });
    }
    // Done when nothing is waiting or active (completed jobs may have been removed).
    for (;;) {
      const counts = await queue.getJobCounts("waiting", "active", "prioritized", "delayed");
      if (Object.values(counts).every((c) => c === 0)) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const spans = spansFromReports(await stopWorkers(children), n, "raw BullMQ fan-out");
    const last = minMax(spans.map((s) => s.end)).max;
    return { perSecond: n / wallSeconds(spans), addToDonePerSecond: n / ((last - t0) / 1000), spans };
  });
}

/**
 * `n` jobs one after another, each added when the previous one's completion is heard through
 * QueueEvents (as a scheduler would). Returns each job's start and end as its processor saw them,
 * in order (see spans.ts's gaps for the hops).
 */
export function rawBullmqHop(n: number, options: { readonly job?: RawJob; readonly removeOnComplete?: boolean } = {}): Promise<Span[]> {
  return withQueue("hop", async (queue, name, prefix) => {
    const children = await startWorkers(name, prefix, 1, 1, options.job ?? "noop");
    const events = new QueueEvents(name, { connection: { url: BENCH_REDIS_URL }, prefix });
    await events.waitUntilReady();
    // Listened for before each add: job.waitUntilFinished looks the job up after subscribing, and
    // with removeOnComplete a fast job can be gone by then ("Missing key for job").
    const waiting = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
    events.on("completed", ({ jobId }) => waiting.get(jobId)?.resolve());
    events.on("failed", ({ jobId, failedReason }) => waiting.get(jobId)?.reject(new Error(`raw BullMQ hop job ${jobId} failed: ${failedReason}`)));
    try {
      for (let i = 0; i < n; i++) {
        const jobId = `hop-${i}`;
        const finished = new Promise<void>((resolve, reject) => waiting.set(jobId, { resolve, reject }));
        await queue.add("job", { i }, { jobId, ...(options.removeOnComplete ? { removeOnComplete: true } : {}) });
        await finished;
        waiting.delete(jobId);
      }
    } finally {
      await events.close();
    }
    return spansFromReports(await stopWorkers(children), n, "raw BullMQ hop");
  });
}
