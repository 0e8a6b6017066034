/**
 * The LocalExecutor alone, driven the way the scheduler drives it (queueWorkload, heartbeat, drain
 * the event buffer) but with no scheduler and no database. Used by the executor scenario, and by
 * fanout as the warm-runner figure the worker-thread pools are compared with.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TaskEvent, Workload } from "../../src/common/workload.js";
import type { LocalExecutor as LocalExecutorClass } from "../../src/executors/local.js";
import { fanoutDag, type TaskShape } from "./dags.js";
import { benchRunnerOptions } from "./home.js";
import { ROOT } from "./paths.js";
import { cpuByPid, peakRssMb } from "./procfs.js";
import { Progress } from "./progress.js";
import { BENCH_FOLDERS, fanoutWorkload } from "./workloads.js";

export const DRIVE_PARALLELISM = 32;

export interface Measured {
  readonly perSecond: number;
  /** CPU seconds per 1,000 tries in this (the scheduler's) process and in the runners. */
  readonly parentCpuPer1k: number;
  readonly runnerCpuPer1k: number;
  /** The runners' peak resident sets (VmHWM) added up, MB, and how many runners there were. */
  readonly runnerPeakRssMb: number;
  readonly runners: number;
}

/** The built executor, as the CLI loads it. */
async function loadExecutor(): Promise<typeof LocalExecutorClass> {
  const mod = (await import(path.join(ROOT, "dist", "executors", "local.js"))) as { LocalExecutor: typeof LocalExecutorClass };
  return mod.LocalExecutor;
}

export async function drive(label: string, n: number, shape: TaskShape): Promise<Measured> {
  const LocalExecutor = await loadExecutor();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-bench-executor-"));
  const dagFile = path.join(dir, "fanout.ts");
  fs.writeFileSync(dagFile, fanoutDag("fanout", n, shape));
  const executor = new LocalExecutor({
    name: { raw: "LocalExecutor", alias: null, className: "LocalExecutor", modulePath: null, modulePathAsWritten: null, name: "LocalExecutor" },
    options: { parallelism: DRIVE_PARALLELISM, isolation: "warm", ...benchRunnerOptions() },
    defaultParallelism: DRIVE_PARALLELISM,
    home: dir,
    folders: BENCH_FOLDERS,
  });
  // Warm-up first: every runner imports the DAG file once before the clock starts.
  const warmup = Math.max(64, DRIVE_PARALLELISM * 2);
  const workload = (i: number): Workload => fanoutWorkload(dagFile, "fanout", dir, i % n, i < warmup ? "warmup" : "bench");
  let wake: () => void = () => undefined;
  executor.onEvent(() => wake());
  executor.start();
  const progress = new Progress(`executor ${label}`);
  let queued = 0;
  let finished = 0;
  let failed: TaskEvent | undefined;
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  let runners0 = new Map<number, number>();
  const total = n + warmup;
  while (finished < total) {
    while (executor.slotsAvailable > 0 && queued < total) executor.queueWorkload(workload(queued++));
    const next = new Promise<void>((resolve) => (wake = resolve));
    await executor.heartbeat();
    for (const event of executor.getEventBuffer()) {
      if (event.state === "success" || event.state === "failed") {
        finished++;
        if (event.state === "failed") failed ??= event;
        if (finished === warmup) {
          t0 = performance.now();
          cpu0 = process.cpuUsage();
          runners0 = cpuByPid(runnerPids(executor));
        }
      }
    }
    if (finished % 500 === 0) progress.update(`${finished}/${total}`);
    // `next` resolved already if an event came during the heartbeat: then this does not wait.
    if (finished < total) await next;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const runners1 = cpuByPid([...runners0.keys()]);
  let runnerCpu = 0;
  for (const [pid, c] of runners1) runnerCpu += c - (runners0.get(pid) ?? 0);
  // Read before end(): the runners exit with it.
  const pids = runnerPids(executor);
  const runnerPeakRssMb = pids.reduce((sum, pid) => sum + peakRssMb(pid), 0);
  progress.done();
  await executor.end();
  fs.rmSync(dir, { recursive: true, force: true });
  if (failed) throw new Error(`executor ${label}: ${failed.key.taskId} failed: ${failed.info.error ?? "?"}`);
  return { perSecond: n / seconds, parentCpuPer1k: ((cpu.user + cpu.system) / 1e6 / n) * 1000, runnerCpuPer1k: (runnerCpu / n) * 1000, runnerPeakRssMb, runners: pids.length };
}

function runnerPids(executor: LocalExecutorClass): number[] {
  return (executor.debugDump()["runners"] as Array<{ pid: number }>).map((r) => r.pid);
}
