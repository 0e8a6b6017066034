/**
 * executor: the LocalExecutor alone, driven the way the scheduler drives it (queueWorkload,
 * heartbeat, drain the event buffer) but with no scheduler and no database: the ceiling the
 * executor and its runners put on every other scenario, and the CPU they cost per try.
 */
import { drive, DRIVE_PARALLELISM as PARALLELISM, type Measured } from "./lib/executor-drive.js";
import { bashPool, warmPool, type PoolResult } from "./lib/floors.js";
import { step } from "./lib/progress.js";
import type { Figure, ScenarioResult } from "./lib/report.js";
import { RUNNERS } from "./fanout.js";

export const EXECUTOR_TASKS = Number(process.env.SWITCHYARD_BENCH_EXECUTOR_TASKS ?? 5_000);

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
