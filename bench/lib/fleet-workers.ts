import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CliChild } from "./cli-child.js";
import { childPids, cpuByPid, cpuSeconds } from "./procfs.js";

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

/** What a fleet worker needs to know of its BullMQExecutor: the same section the scheduler's home has. */
export interface FleetWorkerSpec {
  readonly name: string;
  readonly queues: readonly string[];
  readonly concurrency: number;
  /** `[executors.BullMQExecutor]` keys (redis_url, prefix, worker_timeout). */
  readonly executor: Readonly<Record<string, string | number>>;
  /** DAG files (name → source): the worker's own copy, as on another machine. */
  readonly dags: Readonly<Record<string, string>>;
}

/**
 * A `switchyard worker` process from a home of its own: its own switchyard.toml, dags folder and
 * log folder, and a metadata database URL that leads nowhere (a worker must never need it).
 */
export class FleetWorkerProcess {
  readonly dir: string;
  readonly logFile: string;
  readonly #process: CliChild;

  constructor(readonly spec: FleetWorkerSpec) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `switchyard-bench-worker-${spec.name}-`));
    fs.mkdirSync(path.join(this.dir, "dags"));
    for (const [name, source] of Object.entries(spec.dags)) fs.writeFileSync(path.join(this.dir, "dags", name), source);
    const section = Object.entries(spec.executor).map(([k, v]) => `${k} = ${JSON.stringify(v)}`);
    fs.writeFileSync(
      path.join(this.dir, "switchyard.toml"),
      ["[core]", 'executor = "BullMQExecutor"', "[database]", 'url = "postgresql://nobody@127.0.0.1:1/none"', "[executors.BullMQExecutor]", ...section, ""].join("\n"),
    );
    this.logFile = path.join(this.dir, "worker.log");
    const env: NodeJS.ProcessEnv = { ...process.env, SWITCHYARD_HOME: this.dir };
    for (const key of Object.keys(env)) if (key.startsWith("SWITCHYARD__")) delete env[key];
    // SWITCHYARD_BENCH_PROFILE=<dir>: a V8 CPU profile of each worker too, in <dir>/worker-<name>/
    // with its runners' (they inherit the flags; the worker's is the last written).
    const profile = process.env.SWITCHYARD_BENCH_PROFILE;
    this.#process = new CliChild(`worker ${spec.name}`, this.logFile, ["worker", "--name", spec.name, "-q", spec.queues.join(","), "-c", String(spec.concurrency)], {
      cwd: this.dir,
      env,
      nodeFlags: profile ? ["--cpu-prof", `--cpu-prof-dir=${path.join(profile, `worker-${spec.name}`)}`] : [],
    });
  }

  get pid(): number {
    return this.#process.pid;
  }

  /** Resolves once the worker says it serves its queues (registered in Redis, runners started). */
  ready(): Promise<void> {
    return this.#process.ready(() => fs.existsSync(this.logFile) && fs.readFileSync(this.logFile, "utf8").includes(" serves queues "), READY_TIMEOUT_MS);
  }

  /** CPU seconds of the worker process itself, and of its live runner processes. */
  cpuSeconds(): { readonly worker: number; readonly runners: number } {
    let runners = 0;
    for (const cpu of cpuByPid(childPids(this.pid)).values()) runners += cpu;
    return { worker: cpuSeconds(this.pid), runners };
  }

  /** SIGTERM (drain), SIGKILL if it does not exit in time; then remove its home. */
  async stop(): Promise<void> {
    await this.#process.stop(STOP_TIMEOUT_MS);
    if (process.env.SWITCHYARD_BENCH_KEEP !== "1") fs.rmSync(this.dir, { recursive: true, force: true });
  }

  logTail(lines = 20): string {
    return this.#process.logTail(lines);
  }
}

/** Start every worker and wait until all are ready; on failure, stop those started. */
export async function startFleetWorkers(specs: readonly FleetWorkerSpec[]): Promise<FleetWorkerProcess[]> {
  const workers = specs.map((s) => new FleetWorkerProcess(s));
  try {
    for (const w of workers) await w.ready();
  } catch (error) {
    await Promise.all(workers.map((w) => w.stop()));
    throw error;
  }
  return workers;
}
