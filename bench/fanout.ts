/**
 * fanout: one run of 10,000 independent no-op tasks (bash; fn on warm runners; fn with process
 * isolation, fewer tasks); tasks/s end to end and scheduler CPU per 1,000 tasks. Floors: the
 * same processes through a plain Node pool of the same size. Then the alternatives to warm
 * runners that issue 9 §3 asked to measure: worker threads (fanout-threads.ts) and per-DAG
 * runners (fanout-affinity.ts).
 */
import { availableParallelism } from "node:os";
import { affinityRows } from "./fanout-affinity.js";
import { threadRows } from "./fanout-threads.js";
import { fanoutDag, type TaskShape } from "./lib/dags.js";
import { bashPool, forkPool, warmPool, type PoolResult } from "./lib/floors.js";
import { benchRunnerOptions, benchTarget, describeConfig, type HomeConfig } from "./lib/home.js";
import { step } from "./lib/progress.js";
import type { Figure, ScenarioResult, Target } from "./lib/report.js";
import { withSession, type RunResult } from "./lib/session.js";
import { throughput } from "./lib/timing.js";

export const FANOUT_TASKS = Number(process.env.SWITCHYARD_BENCH_FANOUT_TASKS ?? 10_000);
export const FANOUT_PROCESS_TASKS = Number(process.env.SWITCHYARD_BENCH_FANOUT_PROCESS_TASKS ?? 100);
const PARALLELISM = 32;
/** The LocalExecutor's default number of warm runners: min(parallelism, cores). */
export const RUNNERS = Math.max(1, Math.min(PARALLELISM, availableParallelism()));

const CONFIG: HomeConfig = { parallelism: PARALLELISM, executors: { LocalExecutor: { parallelism: PARALLELISM, isolation: "warm", ...benchRunnerOptions() } } };

async function fanoutRun(label: string, n: number, shape: TaskShape): Promise<RunResult> {
  step(`fanout ${label}: ${n} independent tasks`);
  return withSession(`fanout-${label.replace(/\W+/g, "-")}`, CONFIG, { "fanout.ts": fanoutDag("fanout", n, shape) }, (s) =>
    s.run("fanout", { label: `fanout ${label}` }),
  );
}

function figures(label: string, run: RunResult, floor: PoolResult, target?: Target): Figure[] {
  const n = run.tis.length;
  return [
    { name: `${label} tasks/s (first start to last end)`, unit: "tasks/s", value: throughput(run.tis).perSecond, floor: floor.perSecond, ...(target ? { target } : {}) },
    { name: `${label} tasks/s (trigger to run done)`, unit: "tasks/s", value: n / run.triggerToDoneSeconds, floor: floor.perSecond },
    { name: `${label} scheduler CPU per 1,000 tasks`, unit: "s", value: (run.schedulerCpu / n) * 1000 },
    { name: `${label} runner CPU per 1,000 tasks`, unit: "s", value: (run.runnerCpu / n) * 1000 },
  ];
}

export async function fanout(): Promise<ScenarioResult> {
  step(`fanout floors: plain pool of ${PARALLELISM} spawning ${FANOUT_TASKS} x bash -c true; ${FANOUT_TASKS} messages to ${RUNNERS} warm children, ${PARALLELISM} in flight; ${FANOUT_PROCESS_TASKS} fresh Node children, ${PARALLELISM} at a time`);
  const bashFloor = await bashPool(FANOUT_TASKS, PARALLELISM);
  const warmFloor = await warmPool(FANOUT_TASKS, RUNNERS, PARALLELISM);
  const forkFloor = await forkPool(FANOUT_PROCESS_TASKS, PARALLELISM);

  const bash = await fanoutRun("bash", FANOUT_TASKS, { kind: "bash" });
  const fn = await fanoutRun("fn (warm)", FANOUT_TASKS, { kind: "fn" });
  const fnProcess = await fanoutRun("fn (process)", FANOUT_PROCESS_TASKS, { kind: "fn", isolation: "process" });
  const threads = await threadRows();
  const affinity = await affinityRows(FANOUT_TASKS, PARALLELISM, fn);

  return {
    scenario: "fanout",
    title: `${FANOUT_TASKS} independent no-op tasks (fn with process isolation: ${FANOUT_PROCESS_TASKS})`,
    notes: [
      `config: ${describeConfig({ executor: "LocalExecutor", parallelism: PARALLELISM, executors: CONFIG.executors ?? {}, db: benchTarget().db })} (so ${RUNNERS} warm runners); DAG maxActiveTasks unbounded`,
      "tasks/s: task instances / (last try's end - first try's start), and / (run end - run created by `dags trigger`)",
      "CPU: /proc/<pid>/stat of the scheduler (and its runner children) from just before the trigger to the run's end; runner CPU excludes the bash children and process-isolated runners",
      `bash floor: a plain Node pool of ${PARALLELISM} spawning \`bash -c true\``,
      `fn (warm) floor: ${RUNNERS} warm Node children answering no-op JSON IPC messages, ${PARALLELISM} in flight`,
      `fn (process) floor: a fresh plain Node child per message (no tsx, no DAG file), ${PARALLELISM} at a time`,
      ...threads.notes,
      ...affinity.notes,
    ],
    figures: [
      ...figures("bash", bash, bashFloor, { on: "ratio", op: ">=", limit: 0.5 }),
      ...figures("fn (warm)", fn, warmFloor, { on: "value", op: ">=", limit: 2000 }),
      ...figures("fn (process)", fnProcess, forkFloor),
      ...threads.figures,
      ...affinity.figures,
    ],
  };
}
