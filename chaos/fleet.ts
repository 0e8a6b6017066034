import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Redis } from "ioredis";
import { readWorkers, WorkerState } from "../src/executors/bullmq/worker-registry.js";
import type { Rng } from "./rng.js";
import { killAfterGrace, PendingTimers } from "./deployment.js";

/** The BullMQExecutor alias of the chaos deployment: tasks routed to the fleet say `executor: "fleet"`. */
export const FLEET_EXECUTOR = "fleet";
/** Both workers serve both queues, so one killed leaves the other to take every fleet try. */
export const FLEET_QUEUES = ["default", "io"] as const;
/** Short, so a killed worker's tries fail (and are retried) well within a cycle. */
export const WORKER_TIMEOUT_S = 4;
const WORKER_CONCURRENCY = 4;

export const REDIS_URL = process.env.SWITCHYARD_CHAOS_REDIS_URL ?? "redis://127.0.0.1:6379";

/** Every worker the suite started and has not seen exit: what an interrupted suite must kill. */
export const liveWorkers = new Set<ChildProcess>();

/** The `[executors.fleet]` section the scheduler's and the workers' switchyard.toml share. */
export function fleetSection(prefix: string): string {
  return `[executors.${FLEET_EXECUTOR}]\nredis_url = ${JSON.stringify(REDIS_URL)}\nprefix = ${JSON.stringify(prefix)}\nworker_timeout = ${WORKER_TIMEOUT_S}\n`;
}

/** One `switchyard worker` of a cycle, from a home of its own under the cycle's home. */
export class WorkerProcess {
  readonly exited: Promise<void>;
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  endedByUs: "killed" | "stopped" | null = null;
  killedAt: number | null = null;

  constructor(
    readonly name: string,
    readonly home: string,
    readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    liveWorkers.add(child);
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        liveWorkers.delete(child);
        this.exit = { code, signal };
        resolve();
      }),
    );
  }

  get alive(): boolean {
    return this.exit === null;
  }
}

/**
 * The cycle's two workers. Each has its own home (switchyard.toml, a copy of the DAG file, its
 * log folder) and a metadata database URL that leads nowhere. A worker the suite kills comes back
 * under a new name (the dead one's record stays live for `worker_timeout`, and a second live
 * worker with its name would be refused); one that exits on its own is a crash.
 */
export class WorkerFleet {
  readonly all: WorkerProcess[] = [];
  readonly crashes: WorkerProcess[] = [];
  private readonly timers = new PendingTimers();
  private closing = false;
  private spawned = 0;

  constructor(
    private readonly cycleHome: string,
    private readonly cliPath: string,
    private readonly prefix: string,
    private readonly dagFile: string,
    private readonly dagSource: string,
  ) {}

  /** The homes of every worker started: a fleet try's processes carry one of them as SWITCHYARD_HOME. */
  homes(): string[] {
    return this.all.map((w) => w.home);
  }

  start(count = 2): void {
    for (let i = 0; i < count; i++) this.spawn();
  }

  live(): WorkerProcess[] {
    return this.all.filter((w) => w.alive && w.endedByUs === null);
  }

  /** SIGKILL one live worker (of those named in `among`, when given); a new one starts `restartAfterMs` later. */
  killOne(rng: Rng, restartAfterMs: number, among?: readonly string[]): WorkerProcess | null {
    const live = this.live().filter((w) => among === undefined || among.includes(w.name));
    if (live.length === 0) return null;
    const victim = rng.pick(live);
    victim.endedByUs = "killed";
    victim.killedAt = Date.now();
    victim.child.kill("SIGKILL");
    this.timers.later(restartAfterMs, () => this.spawn());
    return victim;
  }

  /** SIGTERM every worker (they finish their tries); SIGKILL those still up after `graceMs`. Returns those. */
  async stopAll(graceMs: number): Promise<WorkerProcess[]> {
    this.closing = true;
    this.timers.cancelAll();
    const live = this.all.filter((w) => w.alive);
    for (const w of live) {
      w.endedByUs ??= "stopped";
      w.child.kill("SIGTERM");
    }
    return killAfterGrace(live, graceMs);
  }

  private spawn(): void {
    if (this.closing) return;
    const n = ++this.spawned;
    const name = `chaos-w${n}`;
    const home = path.join(this.cycleHome, `worker-${n}`);
    fs.mkdirSync(path.join(home, "dags"), { recursive: true });
    fs.writeFileSync(path.join(home, "dags", this.dagFile), this.dagSource);
    fs.writeFileSync(
      path.join(home, "switchyard.toml"),
      `[core]\nexecutor = "${FLEET_EXECUTOR}:BullMQExecutor"\n[database]\nurl = "postgresql://nobody@127.0.0.1:1/none"\n${fleetSection(this.prefix)}`,
    );
    const logFile = path.join(home, "worker.log");
    const fd = fs.openSync(logFile, "a");
    const env: NodeJS.ProcessEnv = { ...process.env, SWITCHYARD_HOME: home };
    delete env.NODE_OPTIONS;
    for (const key of Object.keys(env)) if (key.startsWith("SWITCHYARD__")) delete env[key];
    const child = spawn(process.execPath, [this.cliPath, "worker", "--name", name, "-q", FLEET_QUEUES.join(","), "-c", String(WORKER_CONCURRENCY)], {
      cwd: home,
      env,
      stdio: ["ignore", fd, fd],
    });
    fs.closeSync(fd);
    const w = new WorkerProcess(name, home, child, logFile);
    this.all.push(w);
    void w.exited.then(() => {
      if (w.endedByUs !== null || this.closing) return;
      this.crashes.push(w);
      this.timers.later(1000, () => this.spawn());
    });
  }

}

/**
 * The workers that hold a try right now, by name, from the worker registry `switchyard fleet
 * workers` lists (read directly: a CLI process every poll would load a machine the suite shares).
 * A fleet fault that hits an idle fleet tests nothing.
 */
export async function busyWorkers(prefix: string): Promise<string[]> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const records = await readWorkers(redis, prefix);
    return records.filter((w) => w.state === WorkerState.RUNNING && w.running.length > 0).map((w) => w.name);
  } catch {
    return [];
  } finally {
    redis.disconnect();
  }
}

/**
 * "Redis restarted empty", for this deployment only: every key under its prefix deleted (jobs,
 * their logs, the worker registry). The shared Redis itself is never restarted: others use it.
 * Returns how many keys were deleted.
 */
export async function flushPrefix(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  return deleted;
}
