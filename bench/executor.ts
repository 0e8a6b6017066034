/**
 * executor: the LocalExecutor alone, driven the way the scheduler drives it (queueWorkload,
 * heartbeat, drain the event buffer) but with no scheduler and no database: the ceiling the
 * executor and its runners put on every other scenario, and the CPU they cost per try.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TaskEvent, Workload } from "../src/common/workload.js";
import type { LocalExecutor as LocalExecutorClass } from "../src/executors/local.js";
import { fanoutDag, taskId, type TaskShape } from "./lib/dags.js";
import { bashPool, warmPool, type PoolResult } from "./lib/floors.js";
import { ROOT } from "./lib/paths.js";
import { cpuByPid } from "./lib/procfs.js";
import { Progress, step } from "./lib/progress.js";
import type { Figure, ScenarioResult } from "./lib/report.js";
import { RUNNERS } from "./fanout.js";

export const EXECUTOR_TASKS = Number(process.env.SWITCHYARD_BENCH_EXECUTOR_TASKS ?? 5_000);
const PARALLELISM = 32;

interface Measured {
  readonly perSecond: number;
  /** CPU seconds per 1,000 tries in this (the scheduler's) process and in the runners. */
  readonly parentCpuPer1k: number;
  readonly runnerCpuPer1k: number;
}

/** The built executor, as the CLI loads it. */
async function loadExecutor(): Promise<typeof LocalExecutorClass> {
  const mod = (await import(path.join(ROOT, "dist", "executors", "local.js"))) as { LocalExecutor: typeof LocalExecutorClass };
  return mod.LocalExecutor;
}

async function drive(label: string, n: number, shape: TaskShape): Promise<Measured> {
  const LocalExecutor = await loadExecutor();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-bench-executor-"));
  const dagFile = path.join(dir, "fanout.ts");
  fs.writeFileSync(dagFile, fanoutDag("fanout", n, shape));
  const executor = new LocalExecutor({
    name: { raw: "LocalExecutor", alias: null, className: "LocalExecutor", modulePath: null, modulePathAsWritten: null, name: "LocalExecutor" },
    options: { parallelism: PARALLELISM, isolation: "warm" },
    defaultParallelism: PARALLELISM,
    home: dir,
    folders: { dagsFolder: dir, baseLogFolder: path.join(dir, "logs") },
  });
  // Warm-up first: every runner imports the DAG file once before the clock starts.
  const warmup = Math.max(64, PARALLELISM * 2);
  const workload = (i: number): Workload => ({
    key: { dagId: "fanout", taskId: taskId(i % n), runId: i < warmup ? "warmup" : "bench", mapIndex: -1, tryNumber: 1 },
    dagFile: "fanout.ts",
    queue: "default",
    pool: "default_pool",
    priorityWeight: 1,
    executorConfig: {},
    token: "t",
    logRelativePath: `${i < warmup ? "warmup" : "bench"}/${taskId(i % n)}/attempt=1.log`,
    timeout: null,
    logicalDate: "2026-01-01T00:00:00.000Z",
    conf: {},
  });
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
  progress.done();
  await executor.end();
  fs.rmSync(dir, { recursive: true, force: true });
  if (failed) throw new Error(`executor ${label}: ${failed.key.taskId} failed: ${failed.info.error ?? "?"}`);
  return { perSecond: n / seconds, parentCpuPer1k: ((cpu.user + cpu.system) / 1e6 / n) * 1000, runnerCpuPer1k: (runnerCpu / n) * 1000 };
}

function runnerPids(executor: LocalExecutorClass): number[] {
  return (executor.debugDump()["runners"] as Array<{ pid: number }>).map((r) => r.pid);
}

function figures(label: string, m: Measured, floor: PoolResult): Figure[] {
  return [
    { name: `${label} tries/s`, unit: "tries/s", value: m.perSecond, floor: floor.perSecond },
    { name: `${label} executor CPU per 1,000 tries (scheduler process)`, unit: "s", value: m.parentCpuPer1k },
    { name: `${label} runner CPU per 1,000 tries`, unit: "s", value: m.runnerCpuPer1k },
  ];
}

export async function executor(): Promise<ScenarioResult> {
  const n = EXECUTOR_TASKS;
  step(`executor: LocalExecutor alone, ${n} no-op fn tries, then ${n} bash tries (plus floors)`);
  const warmFloor = await warmPool(n, RUNNERS, PARALLELISM);
  const fn = await drive("fn", n, { kind: "fn" });
  const bashFloor = await bashPool(n, PARALLELISM);
  const bash = await drive("bash", n, { kind: "bash" });
  return {
    scenario: "executor",
    title: `the LocalExecutor alone (no scheduler, no database), ${n} tries each`,
    notes: [
      `LocalExecutor parallelism ${PARALLELISM}, isolation "warm", ${RUNNERS} runners; driven like the scheduler does (queue to free slots, heartbeat, drain events), after a warm-up`,
      "executor CPU = this process's CPU (what the executor costs the scheduler); runner CPU from /proc (excludes bash children)",
      "floors: as in fanout",
    ],
    figures: [...figures("fn", fn, warmFloor), ...figures("bash", bash, bashFloor)],
  };
}
