/**
 * fanout's per-DAG affinity rows (issue 9 §3): the fan-out split over D DAGs run at once, (a) on
 * one LocalExecutor of parallelism P that all DAGs share (today's default), and (b) with per-DAG
 * runners: D LocalExecutor aliases of parallelism P/D, each DAG routed to its own through its
 * `defaults.executor`. Then what one wide DAG gets alone under (b): its share, P/D, for no-op tasks
 * and for tasks that wait (where slots, not CPU, bound it).
 */
import { fanoutDag, type TaskShape } from "./lib/dags.js";
import { benchRunnerOptions, describeConfig, type HomeConfig } from "./lib/home.js";
import { step } from "./lib/progress.js";
import type { Figure } from "./lib/report.js";
import { withSession, type RunResult } from "./lib/session.js";
import { overlapThroughput, throughput } from "./lib/timing.js";

export const AFFINITY_DAGS = Number(process.env.SWITCHYARD_BENCH_AFFINITY_DAGS ?? 4);
/** Tasks of the waiting wide DAG (each waits WAIT_MS), run alone under (a) and under (b). */
export const AFFINITY_WAIT_TASKS = Number(process.env.SWITCHYARD_BENCH_AFFINITY_WAIT_TASKS ?? 1_000);
const WAIT_MS = 100;

const dagId = (i: number) => `part${i}`;
const alias = (i: number) => `d${i}`;

function shared(parallelism: number): HomeConfig {
  return { parallelism, executors: { LocalExecutor: { parallelism, isolation: "warm", ...benchRunnerOptions() } } };
}

function perDag(parallelism: number, dags: number): HomeConfig {
  const executors: Record<string, Record<string, string | number>> = {};
  for (let i = 0; i < dags; i++) executors[alias(i)] = { parallelism: parallelism / dags, isolation: "warm", ...benchRunnerOptions() };
  return { executor: Array.from({ length: dags }, (_, i) => `${alias(i)}:LocalExecutor`).join(","), parallelism, executors };
}

/** D DAG files of `each` tasks (routed to their own alias when `routed`), plus the two wide DAGs on the first. */
function dagFiles(dags: number, each: number, wide: number, routed: boolean): Record<string, string> {
  const files: Record<string, string> = {};
  const on = (i: number): Partial<TaskShape> => (routed ? { dagExecutor: alias(i) } : {});
  for (let i = 0; i < dags; i++) files[`${dagId(i)}.ts`] = fanoutDag(dagId(i), each, { kind: "fn", ...on(i) });
  files["wide_wait.ts"] = fanoutDag("wide_wait", AFFINITY_WAIT_TASKS, { kind: "fn", waitMs: WAIT_MS, ...on(0) });
  if (routed) files["wide.ts"] = fanoutDag("wide", wide, { kind: "fn", ...on(0) });
  return files;
}

interface Measured {
  readonly together: RunResult[];
  readonly wide?: RunResult;
  readonly wideWait: RunResult;
}

async function measure(label: string, config: HomeConfig, dags: number, each: number, wide: number, routed: boolean): Promise<Measured> {
  return withSession(`fanout-affinity-${label}`, config, dagFiles(dags, each, wide, routed), async (s) => {
    const together = await s.runs(Array.from({ length: dags }, (_, i) => dagId(i)), { label: `fanout affinity ${label}: ${dags} DAGs at once` });
    const alone = routed ? await s.run("wide", { label: `fanout affinity ${label}: one wide DAG alone` }) : undefined;
    const wideWait = await s.run("wide_wait", { label: `fanout affinity ${label}: one wide DAG of ${WAIT_MS} ms waits alone` });
    return { together, ...(alone ? { wide: alone } : {}), wideWait };
  });
}

const runnersUsed = (tis: RunResult["tis"]) => new Set(tis.map((t) => t.pid)).size;

export interface AffinityRows {
  readonly notes: readonly string[];
  readonly figures: readonly Figure[];
}

/** @param wideShared - fanout's own fn (warm) run: the wide DAG alone on the shared executor. */
export async function affinityRows(total: number, parallelism: number, wideShared: RunResult): Promise<AffinityRows> {
  const d = AFFINITY_DAGS;
  if (!Number.isInteger(parallelism / d)) throw new Error(`SWITCHYARD_BENCH_AFFINITY_DAGS=${d} must divide the parallelism ${parallelism}`);
  const each = Math.floor(total / d);
  step(`fanout affinity: ${d} DAGs of ${each} fn tasks at once, on one LocalExecutor (parallelism ${parallelism}), then on ${d} aliases of parallelism ${parallelism / d}, one per DAG`);
  const a = await measure("shared", shared(parallelism), d, each, total, false);
  const b = await measure("per-DAG", perDag(parallelism, d), d, each, total, true);
  const tis = (m: Measured) => m.together.flatMap((r) => r.tis);
  const cpuPer1k = (m: Measured) => ((m.together[0]!.schedulerCpu + m.together[0]!.runnerCpu) / tis(m).length) * 1000;
  const vsShared = { floor: throughput(tis(a)).perSecond, floorLabel: "(a) shared" };
  const full = (c: HomeConfig) => ({ executor: c.executor ?? "LocalExecutor", parallelism: c.parallelism ?? 32, executors: c.executors ?? {} });
  return {
    notes: [
      `affinity (a) shared: ${describeConfig(full(shared(parallelism)))}`,
      `affinity (b) per-DAG: ${describeConfig(full(perDag(parallelism, d)))}; DAG i has defaults.executor = "d<i>"`,
      `affinity: ${d} DAGs of ${each} no-op fn tasks triggered at once; tasks/s over all of them (first start to last end); "while all ran": only the span in which every DAG had started and none had ended; runners = distinct pids that ran a try; CPU = scheduler + runners`,
      `affinity, one wide DAG alone: (a) is fanout's fn (warm) run above; (b) the same DAG routed to d0 (parallelism ${parallelism / d}) while the other aliases idle; "waiting" tasks await a ${WAIT_MS} ms timer (${AFFINITY_WAIT_TASKS} tasks), so slots bound them, not CPU`,
    ],
    figures: [
      { name: `affinity (a) shared LocalExecutor, ${d} DAGs at once tasks/s`, unit: "tasks/s", value: throughput(tis(a)).perSecond },
      { name: `affinity (b) per-DAG aliases, ${d} DAGs at once tasks/s`, unit: "tasks/s", value: throughput(tis(b)).perSecond, ...vsShared },
      { name: `affinity (a) ${d} DAGs, while all ${d} ran tasks/s`, unit: "tasks/s", value: overlapThroughput(a.together.map((r) => r.tis)).perSecond },
      { name: `affinity (b) ${d} DAGs, while all ${d} ran tasks/s`, unit: "tasks/s", value: overlapThroughput(b.together.map((r) => r.tis)).perSecond, floor: overlapThroughput(a.together.map((r) => r.tis)).perSecond, floorLabel: "(a) shared" },
      { name: "affinity (a) runners that ran tries", unit: "runners", value: runnersUsed(tis(a)) },
      { name: "affinity (b) runners that ran tries", unit: "runners", value: runnersUsed(tis(b)), floor: runnersUsed(tis(a)), floorLabel: "(a) shared" },
      { name: "affinity (a) scheduler + runner CPU per 1,000 tasks", unit: "s", value: cpuPer1k(a) },
      { name: "affinity (b) scheduler + runner CPU per 1,000 tasks", unit: "s", value: cpuPer1k(b), floor: cpuPer1k(a), floorLabel: "(a) shared" },
      { name: `affinity: one wide DAG alone, (a) parallelism ${parallelism} tasks/s`, unit: "tasks/s", value: throughput(wideShared.tis).perSecond },
      { name: `affinity: one wide DAG alone, (b) its share ${parallelism / d} tasks/s`, unit: "tasks/s", value: throughput(b.wide!.tis).perSecond, floor: throughput(wideShared.tis).perSecond, floorLabel: "(a) alone" },
      { name: `affinity: one wide DAG of waits alone, (a) parallelism ${parallelism} tasks/s`, unit: "tasks/s", value: throughput(a.wideWait.tis).perSecond },
      { name: `affinity: one wide DAG of waits alone, (b) its share ${parallelism / d} tasks/s`, unit: "tasks/s", value: throughput(b.wideWait.tis).perSecond, floor: throughput(a.wideWait.tis).perSecond, floorLabel: "(a) alone" },
    ],
  };
}
