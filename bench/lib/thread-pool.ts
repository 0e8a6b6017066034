/**
 * Tries in worker threads: the alternative to warm runners that issue 9 §3 asked to measure.
 * `fresh` starts a Worker per try, so each try has an event loop of its own, and pays for a thread,
 * an isolate, the DAG loader (tsx) and the DAG file import every time. `warm` keeps one Worker per
 * slot and hands it try after try: the tries of one thread share its loop again, so it isolates
 * nothing from each other, but it shows what the thread itself costs.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { EventInfo, Workload } from "../../src/common/workload.js";
import { ROOT } from "./paths.js";
import { BENCH_FOLDERS } from "./workloads.js";

export type ThreadMode = "fresh" | "warm";

const TRY_THREAD = new URL("./try-thread.mjs", import.meta.url);
/** The built runner's try, as a runner from dist runs it. */
const RUN_TASK_TRY_URL = pathToFileURL(path.join(ROOT, "dist", "runner", "run-task-try.js")).href;

export interface ThreadTryResult {
  readonly state: string;
  readonly error?: string;
  /** From handing the try to a thread (starting it, when fresh) to its `finished` report. */
  readonly ms: number;
}

/** One worker thread running the tries it is given, one at a time. */
class TryThread {
  // No execArgv: the thread must set up tsx through the DAG loader itself, as a runner from dist does.
  readonly #worker = new Worker(TRY_THREAD, { execArgv: [], workerData: { runTaskTryUrl: RUN_TASK_TRY_URL, folders: BENCH_FOLDERS } });
  readonly #exited = new Promise<void>((resolve) => this.#worker.once("exit", () => resolve()));
  #pending: { resolve: (info: { state: string; info: EventInfo }) => void; reject: (error: Error) => void } | null = null;

  constructor() {
    this.#worker.on("message", (m: { state: string; info: EventInfo }) => {
      if (m.state === "running") return;
      const pending = this.#pending;
      this.#pending = null;
      pending?.resolve(m);
    });
    this.#worker.on("error", (error) => this.#pending?.reject(error));
  }

  run(workload: Workload, started = performance.now()): Promise<ThreadTryResult> {
    return new Promise((resolve, reject) => {
      this.#pending = {
        resolve: ({ state, info }) => resolve({ state, ...(info.error !== undefined ? { error: info.error } : {}), ms: performance.now() - started }),
        reject,
      };
      this.#worker.postMessage(workload);
    });
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
    await this.#exited;
  }
}

export interface ThreadRun {
  readonly mode: ThreadMode;
  readonly concurrency: number;
  readonly workloads: readonly Workload[];
  /** Warm mode: one try per thread before the clock starts, so that each has imported the DAG file. */
  readonly warmup?: readonly Workload[];
  /** Called when the clock starts: at once when fresh; when warm, after the warm-up and once this process has gone quiet. */
  readonly onClockStart?: () => void;
}

/**
 * Wait until this process (every thread) uses under 10% of a core over half a second, or `maxMs`
 * has passed; how long that took. After the warm-up, 32 isolates go on compiling and collecting
 * what their imports left for seconds: a one-off cost of starting the threads, not of a try.
 */
async function settle(maxMs: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const cpu0 = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const cpu = process.cpuUsage(cpu0);
    if ((cpu.user + cpu.system) / 1000 < 50 || performance.now() - t0 >= maxMs) return performance.now() - t0;
  }
}

const SETTLE_MAX_MS = 30_000;

/** Run every workload, `concurrency` at a time; results in the order the tries finished. */
export async function runInThreads(run: ThreadRun): Promise<{ results: ThreadTryResult[]; settledMs: number }> {
  const { mode, workloads } = run;
  const slots = Math.min(run.concurrency, workloads.length);
  const results: ThreadTryResult[] = [];
  let next = 0;
  const slot = async (warm: TryThread | null) => {
    while (next < workloads.length) {
      const workload = workloads[next++]!;
      if (warm !== null) {
        results.push(await warm.run(workload));
        continue;
      }
      const started = performance.now();
      const thread = new TryThread();
      try {
        results.push(await thread.run(workload, started));
      } finally {
        // The slot is free once the thread is gone: at most `concurrency` isolates exist at once.
        await thread.close();
      }
    }
  };
  if (mode === "fresh") {
    run.onClockStart?.();
    await Promise.all(Array.from({ length: slots }, () => slot(null)));
    return { results, settledMs: 0 };
  }
  const threads = Array.from({ length: slots }, () => new TryThread());
  try {
    const warmup = run.warmup ?? [];
    if (warmup.length > 0) await Promise.all(threads.map((t, i) => t.run(warmup[i % warmup.length]!)));
    const settledMs = await settle(SETTLE_MAX_MS);
    run.onClockStart?.();
    await Promise.all(threads.map((t) => slot(t)));
    return { results, settledMs };
  } finally {
    await Promise.all(threads.map((t) => t.close()));
  }
}
