import fs from "node:fs";
import path from "node:path";
import type { BenchHome } from "./home.js";
import { CliChild } from "./cli-child.js";
import { childPids, cpuByPid, cpuSeconds, peakRssMb } from "./procfs.js";

/** Generous: on a 2-core machine shared with other work, parsing wide's 100,000-task DAG file alone has taken 111 s. */
const READY_TIMEOUT_MS = 600_000;
const STOP_TIMEOUT_MS = 60_000;

/**
 * `switchyard scheduler` running in a bench home (without --exit-when-idle: the benchmark
 * triggers runs into a scheduler that is already up, so start-up and DAG parsing stay out of
 * the figures), with SWITCHYARD_SCHEDULER_PASS_LOG set.
 */
export class SchedulerProcess {
  readonly passLog: string;
  readonly logFile: string;
  readonly #process: CliChild;

  /** @param index - which of the home's schedulers this is (several share one PostgreSQL database). */
  constructor(
    readonly home: BenchHome,
    index = 0,
  ) {
    const suffix = index === 0 ? "" : `-${index + 1}`;
    this.passLog = path.join(home.dir, `passes${suffix}.log`);
    this.logFile = path.join(home.dir, `scheduler${suffix}.log`);
    // SWITCHYARD_BENCH_PROFILE=<dir>: write a V8 CPU profile of the scheduler (and its runners) there.
    const profile = process.env.SWITCHYARD_BENCH_PROFILE;
    this.#process = new CliChild("the scheduler", this.logFile, ["scheduler"], {
      cwd: home.dir,
      env: { ...home.env, SWITCHYARD_SCHEDULER_PASS_LOG: this.passLog },
      nodeFlags: profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : [],
    });
  }

  get pid(): number {
    return this.#process.pid;
  }

  /** Resolves once the first loop pass is logged (DAG files parsed, executors started). */
  ready(): Promise<void> {
    return this.#process.ready(() => fs.existsSync(this.passLog) && fs.statSync(this.passLog).size > 0, READY_TIMEOUT_MS);
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
  stop(): Promise<void> {
    return this.#process.stop(STOP_TIMEOUT_MS);
  }

  logTail(lines = 20): string {
    return this.#process.logTail(lines);
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
