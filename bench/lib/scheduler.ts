import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { BenchHome } from "./home.js";
import { CLI } from "./paths.js";
import { childPids, cpuByPid, cpuSeconds, peakRssMb } from "./procfs.js";

const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;

/**
 * `switchyard scheduler` running in a bench home (without --exit-when-idle: the benchmark
 * triggers runs into a scheduler that is already up, so start-up and DAG parsing stay out of
 * the figures), with SWITCHYARD_SCHEDULER_PASS_LOG set.
 */
export class SchedulerProcess {
  readonly passLog: string;
  readonly logFile: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  #exitCode: number | null | undefined;

  /** @param index - which of the home's schedulers this is (several share one PostgreSQL database). */
  constructor(
    readonly home: BenchHome,
    index = 0,
  ) {
    const suffix = index === 0 ? "" : `-${index + 1}`;
    this.passLog = path.join(home.dir, `passes${suffix}.log`);
    this.logFile = path.join(home.dir, `scheduler${suffix}.log`);
    const out = fs.openSync(this.logFile, "a");
    // SWITCHYARD_BENCH_PROFILE=<dir>: write a V8 CPU profile of the scheduler (and its runners) there.
    const profile = process.env.SWITCHYARD_BENCH_PROFILE;
    const flags = profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : [];
    this.#child = spawn(process.execPath, [...flags, CLI, "scheduler"], {
      env: { ...home.env, SWITCHYARD_SCHEDULER_PASS_LOG: this.passLog },
      cwd: home.dir,
      stdio: ["ignore", out, out],
    });
    fs.closeSync(out);
    this.#exited = new Promise((resolve) => {
      this.#child.once("exit", (code) => {
        this.#exitCode = code;
        resolve(code);
      });
    });
  }

  get pid(): number {
    return this.#child.pid as number;
  }

  /** Resolves once the first loop pass is logged (DAG files parsed, executors started). */
  async ready(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.#exitCode !== undefined) throw new Error(`the scheduler exited (code ${this.#exitCode}) before it was ready:\n${this.logTail()}`);
      if (fs.existsSync(this.passLog) && fs.statSync(this.passLog).size > 0) return;
      await sleep(100);
    }
    throw new Error(`the scheduler was not ready after ${READY_TIMEOUT_MS / 1000}s:\n${this.logTail()}`);
  }

  cpuSeconds(): number {
    return cpuSeconds(this.pid);
  }

  peakRssMb(): number {
    return peakRssMb(this.pid);
  }

  /** CPU seconds of each live child (runner) process, by pid. */
  childCpu(): Map<number, number> {
    return cpuByPid(childPids(this.pid));
  }

  /** Graceful stop (SIGTERM); SIGKILL if it does not exit in time. */
  async stop(): Promise<void> {
    if (this.#exitCode !== undefined) return;
    this.#child.kill("SIGTERM");
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await this.#exited;
    clearTimeout(timer);
  }

  logTail(lines = 20): string {
    try {
      return fs.readFileSync(this.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no scheduler log)";
    }
  }

  /** Pass log lines: [epoch ms at the end of the pass, pass duration ms, busy]. */
  passes(): Array<{ at: number; ms: number; busy: boolean }> {
    if (!fs.existsSync(this.passLog)) return [];
    return fs
      .readFileSync(this.passLog, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => {
        const [at, ms, busy] = line.trim().split(/\s+/);
        return { at: Number(at), ms: Number(ms), busy: busy === "1" };
      });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
