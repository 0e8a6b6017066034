/**
 * What the fleet tests share: DAG files and switchyard.toml files for schedulers and workers, one
 * test's fleet (a Redis prefix, worker processes from homes of their own, a scheduler home), a
 * wait for a try's BullMQ job to reach a state, and a redis-server of a test's own.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import type { TaskInstanceKey } from "../../src/common/keys.js";
import { jobIdFor } from "../../src/executors/bullmq/jobs.js";
import { eventually, Home } from "../support/home.js";
import { deletePrefix, executorSection, REDIS_URL, startWorker, stopWorker, testPrefix, type StartedWorker } from "../executors/bullmq/support.js";

/** A DAG file defining one DAG `d` with the given body. */
export const dagFile = (id: string, body: string, options = "") =>
  `import { dag } from "@switchyard/core";\nconst d = dag(${JSON.stringify(id)}${options ? `, ${options}` : ""});\n${body}\nexport default d;\n`;

/** A worker's switchyard.toml: the executor section, and a metadata database it must never need. */
export function workerToml(prefix: string, opts: { extra?: string; redisUrl?: string } = {}): string {
  return (
    `[core]\nexecutor = "BullMQExecutor"\n[database]\nurl = "postgresql://nobody:wrong@127.0.0.1:1/nowhere"\n${opts.extra ?? ""}` +
    executorSection("BullMQExecutor", prefix, { redis_url: opts.redisUrl ?? REDIS_URL })
  );
}

/** A scheduler's switchyard.toml; `core` and `scheduler` add lines to those sections. */
export function schedulerToml(prefix: string, opts: { executors?: string; core?: string; scheduler?: string; redisUrl?: string } = {}): string {
  return (
    `[core]\nexecutor = "${opts.executors ?? "BullMQExecutor"}"\n${opts.core ?? ""}[scheduler]\nidle_wake_interval = 0.2\n${opts.scheduler ?? ""}` +
    executorSection("BullMQExecutor", prefix, { redis_url: opts.redisUrl ?? REDIS_URL })
  );
}

/** One test's fleet: a Redis prefix of its own, workers each from a home of its own, a scheduler home. */
export class Fleet {
  readonly prefix = testPrefix();
  readonly workers: StartedWorker[] = [];
  #scheduler: Home | null = null;

  constructor(readonly redisUrl: string = REDIS_URL) {}

  async worker(name: string, dags: Record<string, string>, opts: { queues?: string; concurrency?: number; extraToml?: string } = {}): Promise<StartedWorker> {
    const w = await startWorker({
      toml: workerToml(this.prefix, { ...(opts.extraToml ? { extra: opts.extraToml } : {}), redisUrl: this.redisUrl }),
      prefix: this.prefix,
      name,
      dags,
      redisUrl: this.redisUrl,
      ...(opts.queues ? { queues: opts.queues } : {}),
      ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    });
    this.workers.push(w);
    return w;
  }

  /** The scheduler's home (one per fleet). */
  scheduler(dags: Record<string, string>, opts: { executors?: string; core?: string; scheduler?: string } = {}): Home {
    this.#scheduler = new Home({ toml: schedulerToml(this.prefix, { ...opts, redisUrl: this.redisUrl }), dags });
    return this.#scheduler;
  }

  /** Every worker's output, for failure messages. */
  output(): string {
    return this.workers.map((w) => `--- worker ${w.name}:\n${w.output()}`).join("\n");
  }

  async cleanup(): Promise<void> {
    for (const w of this.workers.splice(0)) await stopWorker(w);
    this.#scheduler?.cleanup();
    await deletePrefix(this.prefix, this.redisUrl).catch(() => undefined);
  }
}

/** Waits until the BullMQ job of a try says `state` in its progress (a worker started it). */
export async function waitForTry(
  fleet: Fleet,
  key: Omit<TaskInstanceKey, "mapIndex" | "tryNumber"> & { mapIndex?: number; tryNumber?: number },
  state: "running",
  opts: { queue?: string; timeoutMs?: number } = {},
): Promise<void> {
  const jobKey = `${fleet.prefix}:${opts.queue ?? "default"}:${jobIdFor({ mapIndex: -1, tryNumber: 1, ...key })}`;
  const redis = new Redis(fleet.redisUrl, { maxRetriesPerRequest: 1 });
  try {
    await eventually(
      `${key.taskId} try ${key.tryNumber ?? 1} to be ${state} on a worker\n${fleet.output()}`,
      async () => (await redis.hget(jobKey, "progress"))?.includes(`"${state}"`),
      opts.timeoutMs ?? 30_000,
    );
  } finally {
    redis.disconnect();
  }
}

/** A port nothing listens on right now (the OS picks it; closed before returning). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A redis-server of the test's own on its own port, keeping nothing on disk, so that stopping
 * and starting it again is "Redis restarted empty".
 */
export class RedisServer {
  readonly url: string;
  readonly #dir = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-redis-"));
  #child: ChildProcess | null = null;

  constructor(readonly port: number) {
    this.url = `redis://127.0.0.1:${port}`;
  }

  static async start(port?: number): Promise<RedisServer> {
    const server = new RedisServer(port ?? (await freePort()));
    await server.start();
    return server;
  }

  /** Starts redis-server (with `args` added, e.g. `--requirepass`) and resolves once it accepts connections. */
  async start(args: string[] = []): Promise<void> {
    const base = ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.#dir];
    const child = spawn("redis-server", [...base, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    this.#child = child;
    let out = "";
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        out += d.toString();
        if (out.includes("Ready to accept connections")) resolve();
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", (code) => reject(new Error(`redis-server on port ${this.port} exited with ${code}: ${out}`)));
    });
  }

  /** Kills it (SIGKILL: nothing is saved, and nothing would be) and waits for it to be gone. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  async cleanup(): Promise<void> {
    await this.stop();
    fs.rmSync(this.#dir, { recursive: true, force: true });
  }
}

/**
 * A bash command that appends "start <task>@<try> <ms>" and "end <task>@<try> <ms>" to `file`:
 * what a user would add to see where and when each try really ran (read with readIntervals).
 */
export function tryMarker(file: string, seconds: number): string {
  const name = "$SWITCHYARD_TASK_ID@$SWITCHYARD_TRY_NUMBER";
  return `echo "start ${name} $(date +%s%3N)" >> ${file}; sleep ${seconds}; echo "end ${name} $(date +%s%3N)" >> ${file}`;
}

/** How many times each `<task>@<try>` wrote its start marker. */
export function startsOf(file: string): Map<string, number> {
  const starts = new Map<string, number>();
  for (const line of fs.readFileSync(file, "utf8").trim().split("\n")) {
    const [kind, name] = line.split(" ");
    if (kind === "start") starts.set(name!, (starts.get(name!) ?? 0) + 1);
  }
  return starts;
}
