import { spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { Home } from "../../support/home.js";
import { readWorkers } from "../../../src/executors/bullmq/worker-registry.js";

export const REDIS_URL = process.env.SWITCHYARD_TEST_REDIS_URL || "redis://127.0.0.1:6379";

/** Fails with a clear message when the test Redis does not answer. */
export function assertRedisAnswers(url = REDIS_URL): void {
  const script = `const {Redis}=require("ioredis");const r=new Redis(process.env.URL,{lazyConnect:true,maxRetriesPerRequest:0,retryStrategy:()=>null});r.connect().then(()=>r.ping()).then(()=>{r.disconnect()}).catch(e=>{process.stderr.write(String(e.message||e));process.exitCode=1;r.disconnect()})`;
  const r = spawnSync(process.execPath, ["-e", script], { env: { PATH: process.env.PATH ?? "", URL: url }, encoding: "utf8", timeout: 10_000, cwd: new URL("../../..", import.meta.url).pathname });
  if (r.status !== 0) throw new Error(`the BullMQ tests need Redis at ${url}, which does not answer (${(r.stderr || `exit ${r.status}`).trim()}); start it with: redis-server --daemonize yes`);
}

/** A Redis key prefix of its own for one test. */
export function testPrefix(): string {
  return `sy-test:${process.pid}:${randomBytes(4).toString("hex")}`;
}

/** Delete every key under `prefix`. */
export async function deletePrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

/** The `[executors.<name>]` lines of a BullMQExecutor for a test; `extra` adds keys or overrides redis_url and worker_timeout. */
export function executorSection(name: string, prefix: string, extra: Record<string, string | number> = {}): string {
  const keys: Record<string, string | number> = { redis_url: REDIS_URL, prefix, worker_timeout: 5, ...extra };
  const lines = [`[executors.${name}]`, ...Object.entries(keys).map(([k, v]) => `${k} = ${JSON.stringify(v)}`)];
  return `${lines.join("\n")}\n`;
}

export interface StartedWorker {
  readonly home: Home;
  readonly child: ChildProcess;
  readonly name: string;
  readonly output: () => string;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/**
 * A `switchyard worker` process from a home of its own. `toml` is its whole switchyard.toml;
 * resolves once its record is in Redis.
 */
export async function startWorker(opts: {
  toml: string;
  prefix: string;
  name: string;
  queues?: string;
  concurrency?: number;
  dags?: Record<string, string>;
  env?: Record<string, string>;
  /** The Redis the worker's toml names (default REDIS_URL): where to look for its record. */
  redisUrl?: string;
}): Promise<StartedWorker> {
  const home = new Home({ toml: opts.toml, ...(opts.dags ? { dags: opts.dags } : {}) });
  const { child, done } = home.spawn(["worker", "--name", opts.name, "-q", opts.queues ?? "default", "-c", String(opts.concurrency ?? 4)], opts.env ? { env: opts.env } : {});
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const redis = new Redis(opts.redisUrl ?? REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const records = await readWorkers(redis, opts.prefix);
      if (records.some((r) => r.name === opts.name && r.state === "running")) break;
      if (child.exitCode !== null) throw new Error(`worker ${opts.name} exited with ${child.exitCode} before registering: ${out}`);
      if (Date.now() > deadline) throw new Error(`worker ${opts.name} did not register within 30 s: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    redis.disconnect();
  }
  return { home, child, name: opts.name, output: () => out, done };
}

/** SIGKILL a worker (if still running) and remove its home. */
export async function stopWorker(w: StartedWorker): Promise<void> {
  if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
  await w.done.catch(() => undefined);
  w.home.cleanup();
}
