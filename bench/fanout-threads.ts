/**
 * fanout's worker-thread rows (issue 9 §3): the same no-op fn tries run by warm runners (the
 * LocalExecutor alone), by a warm worker thread per slot, and by a fresh worker thread per try,
 * all in this run, with no scheduler, so that only the unit of isolation differs. Tries/s, time
 * per try, CPU and peak RSS of each.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { fanoutDag } from "./lib/dags.js";
import { drive, DRIVE_PARALLELISM } from "./lib/executor-drive.js";
import { threadPool } from "./lib/floors.js";
import { ROOT } from "./lib/paths.js";
import { step } from "./lib/progress.js";
import type { Figure } from "./lib/report.js";
import type { ThreadHostRequest, ThreadHostResult } from "./lib/thread-host.js";
import type { ThreadMode } from "./lib/thread-pool.js";

/** Tries for the warm rows (warm runners, warm threads), each from a DAG of that many tasks. */
export const THREAD_WARM_TRIES = Number(process.env.SWITCHYARD_BENCH_FANOUT_THREAD_WARM_TRIES ?? 5_000);
/** Tries with a fresh thread each, from a DAG of that many tasks (the size of fn (process)'s DAG by default). */
export const THREAD_FRESH_TRIES = Number(process.env.SWITCHYARD_BENCH_FANOUT_THREAD_FRESH_TRIES ?? process.env.SWITCHYARD_BENCH_FANOUT_PROCESS_TASKS ?? 100);

const HOST = path.join(ROOT, "bench", "lib", "thread-host.ts");

/** Run a pool in a process of its own (thread-host.ts), so that its CPU and RSS are its alone. */
async function inHost(mode: ThreadMode, tries: number): Promise<ThreadHostResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `switchyard-bench-threads-${mode}-`));
  try {
    const dagFile = path.join(dir, "fanout.ts");
    fs.writeFileSync(dagFile, fanoutDag("fanout", tries, { kind: "fn" }));
    const request: ThreadHostRequest = { mode, concurrency: DRIVE_PARALLELISM, dagFile, dagId: "fanout", dir, tries };
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", HOST, JSON.stringify(request)], { cwd: ROOT, maxBuffer: 1 << 20 });
    const result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as ThreadHostResult;
    if (result.failed > 0) throw new Error(`${mode} threads: ${result.failed} of ${tries} tries failed; the first: ${result.firstError ?? "?"}`);
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface ThreadRows {
  readonly notes: readonly string[];
  readonly figures: readonly Figure[];
}

export async function threadRows(): Promise<ThreadRows> {
  const p = DRIVE_PARALLELISM;
  step(`fanout threads: ${THREAD_WARM_TRIES} fn tries on warm runners (executor alone), then on ${p} warm threads, then ${THREAD_FRESH_TRIES} with a fresh thread each, ${p} at a time`);
  const runners = await drive("fn (warm runners)", THREAD_WARM_TRIES, { kind: "fn" });
  const warm = await inHost("warm", THREAD_WARM_TRIES);
  const fresh = await inHost("fresh", THREAD_FRESH_TRIES);
  const bare = await threadPool(THREAD_FRESH_TRIES, p);
  const runnerMs = (p * 1000) / runners.perSecond;
  const vsRunners = { floor: runners.perSecond, floorLabel: "warm runners" };
  return {
    notes: [
      `threads: the same no-op fn tries with no scheduler, ${p} at a time, each try the built runner's runTaskTry (log file, DAG file imported through the DAG loader, the fn, reports); a thread registers tsx and the resolve hook itself, as a runner does`,
      `warm runners: the LocalExecutor alone (${runners.runners} runners, driven as in the executor scenario); warm threads: ${p} threads in one process, each given try after try; fresh thread: a new thread per try, the slot free again when it has exited`,
      `warm rows after a warm-up (each runner or thread has imported the DAG file; the warm threads then took ${(warm.settledMs / 1000).toFixed(1)} s to go quiet, under 10% of a core, before their clock started); ms per try: handed over → \`finished\` report (for warm runners: slots / tries per second, Little's law)`,
      "CPU: every thread of the threads' host process, and for warm runners the runners plus the executor in the driving process; RSS: the host's peak, or the runners' peaks added up",
    ],
    figures: [
      { name: "fn, warm runners (executor alone) tries/s", unit: "tries/s", value: runners.perSecond },
      { name: "fn, warm thread per slot tries/s", unit: "tries/s", value: warm.perSecond, ...vsRunners },
      { name: `fn, fresh thread per try tries/s (${THREAD_FRESH_TRIES} tries)`, unit: "tries/s", value: fresh.perSecond, ...vsRunners },
      { name: "fn, fresh empty thread per message (no tsx, no DAG file) per s", unit: "threads/s", value: bare.perSecond },
      { name: "fn, warm runners ms per try", unit: "ms", value: runnerMs },
      { name: "fn, warm thread per slot ms per try (mean)", unit: "ms", value: warm.msMean, floor: runnerMs, floorLabel: "warm runners" },
      { name: "fn, fresh thread per try ms per try (mean)", unit: "ms", value: fresh.msMean, floor: runnerMs, floorLabel: "warm runners" },
      { name: "fn, fresh thread per try ms per try (p95)", unit: "ms", value: fresh.msP95 },
      { name: "fn, warm runners CPU per 1,000 tries", unit: "s", value: runners.parentCpuPer1k + runners.runnerCpuPer1k },
      { name: "fn, warm thread per slot CPU per 1,000 tries", unit: "s", value: (warm.cpuSeconds / THREAD_WARM_TRIES) * 1000, floor: runners.parentCpuPer1k + runners.runnerCpuPer1k, floorLabel: "warm runners" },
      { name: "fn, fresh thread per try CPU per 1,000 tries", unit: "s", value: (fresh.cpuSeconds / THREAD_FRESH_TRIES) * 1000, floor: runners.parentCpuPer1k + runners.runnerCpuPer1k, floorLabel: "warm runners" },
      { name: `fn, warm runners peak RSS (${runners.runners} runners together)`, unit: "MB", value: runners.runnerPeakRssMb },
      { name: `fn, warm thread per slot peak RSS (${p} threads)`, unit: "MB", value: warm.peakRssMb, floor: runners.runnerPeakRssMb, floorLabel: "warm runners" },
      { name: `fn, fresh thread per try peak RSS (up to ${p} threads)`, unit: "MB", value: fresh.peakRssMb, floor: runners.runnerPeakRssMb, floorLabel: "warm runners" },
    ],
  };
}
