/**
 * wide: one run of 100,000 no-op fn tasks in layers (1,000 chains of 100: the shape of a large
 * backfill); wall time, scheduler peak RSS, and scheduler pass time around 1k, 10k and 100k
 * finished task instances, which must not grow with the number finished.
 */
import { layeredDag } from "./lib/dags.js";
import { describeConfig, type HomeConfig } from "./lib/home.js";
import { step } from "./lib/progress.js";
import type { Figure, ScenarioResult } from "./lib/report.js";
import { withSession } from "./lib/session.js";
import { median } from "./lib/stats.js";

export const WIDE_WIDTH = Number(process.env.SWITCHYARD_BENCH_WIDE_WIDTH ?? 1000);
export const WIDE_DEPTH = Number(process.env.SWITCHYARD_BENCH_WIDE_DEPTH ?? 100);
/** Busy passes taken on each side of a point. */
const WINDOW = 50;

/**
 * For a 2-core machine shared with other work. Importing the 100,000-task DAG file takes seconds of
 * CPU, and the first evaluation of the run reads all its TIs in one transaction: at load average 30
 * the import outran the default dagbag_import_timeout (30 s), and that evaluation the scheduler's
 * 15 s lease, so the scheduler rejoined, evaluated the whole run again, and never queued a TI.
 */
const CONFIG: HomeConfig = {
  parallelism: 32,
  settings: { core: { dagbag_import_timeout: 600 }, scheduler: { scheduler_health_check_threshold: 600, task_heartbeat_timeout: 600 } },
  executors: { LocalExecutor: { parallelism: 32, isolation: "warm" } },
};

interface Pass {
  readonly at: number;
  readonly ms: number;
  readonly busy: boolean;
}

/** Median busy-pass time (ms) in a window of passes around `at`, and the task rate there. */
function passesAround(passes: readonly Pass[], ends: readonly number[], at: number): { medianMs: number; count: number; tasksPerSecond: number } {
  const busy = passes.filter((p) => p.busy);
  let i = busy.findIndex((p) => p.at >= at);
  if (i < 0) i = busy.length;
  const window = busy.slice(Math.max(0, i - WINDOW), i + WINDOW);
  if (window.length < 2) return { medianMs: Number.NaN, count: window.length, tasksPerSecond: Number.NaN };
  const from = window[0]!.at;
  const to = window[window.length - 1]!.at;
  const finished = ends.filter((e) => e >= from && e <= to).length;
  return { medianMs: median(window.map((p) => p.ms)), count: window.length, tasksPerSecond: (finished / (to - from)) * 1000 };
}

export async function wide(): Promise<ScenarioResult> {
  const total = WIDE_WIDTH * WIDE_DEPTH;
  step(`wide: ${total} fn tasks, ${WIDE_DEPTH} layers of ${WIDE_WIDTH} (the DAG file is parsed and ${total} task instances are created: this takes a while)`);
  const dags = { "wide.ts": layeredDag("wide", WIDE_WIDTH, WIDE_DEPTH, { kind: "fn" }) };
  const { run, passes, peakRss } = await withSession("wide", CONFIG, dags, async (s) => {
    const r = await s.run("wide", { label: "wide" });
    return { run: r, passes: s.scheduler.passes(), peakRss: s.scheduler.peakRssMb() };
  });
  const ends = run.tis.map((t) => t.end_date ?? Number.NaN).sort((a, b) => a - b);
  const points = [1_000, 10_000, total].filter((k, i, all) => k <= total && all.indexOf(k) === i);
  const around = points.map((k) => ({ k, ...passesAround(passes, ends, ends[k - 1]!) }));
  const base = around[0]!;
  const label = (k: number) => (k >= 1000 ? `${k / 1000}k` : String(k));

  const figures: Figure[] = [
    { name: "wall, trigger to run done", unit: "s", value: run.triggerToDoneSeconds },
    { name: "wall, first start to last end", unit: "s", value: run.spanSeconds },
    { name: "tasks/s (first start to last end)", unit: "tasks/s", value: total / run.spanSeconds },
    { name: "scheduler CPU per 1,000 tasks", unit: "s", value: (run.schedulerCpu / total) * 1000 },
    { name: "scheduler peak RSS", unit: "MB", value: peakRss, target: { on: "value", op: "<=", limit: 512 } },
    ...around.map((a, i): Figure => ({
      name: `median pass time around ${label(a.k)} finished`,
      unit: "ms",
      value: a.medianMs,
      ...(i > 0 ? { floor: base.medianMs, floorLabel: `at ${label(base.k)}` } : {}),
      ...(a.k === total ? { target: { on: "ratio", op: "<=", limit: 2 } } : {}),
    })),
    ...around.map((a): Figure => ({ name: `tasks/s around ${label(a.k)} finished`, unit: "tasks/s", value: a.tasksPerSecond })),
  ];
  return {
    scenario: "wide",
    title: `${total} no-op fn tasks in ${WIDE_DEPTH} layers of ${WIDE_WIDTH}`,
    notes: [
      `config: ${describeConfig({ executor: "LocalExecutor", parallelism: 32, executors: CONFIG.executors ?? {}, ...(CONFIG.settings ? { settings: CONFIG.settings } : {}) })}; DAG maxActiveTasks unbounded`,
      `task w of layer l depends on task w of layer l-1 (${WIDE_WIDTH} independent chains of ${WIDE_DEPTH}; ${total - WIDE_WIDTH} edges)`,
      `pass time: SWITCHYARD_SCHEDULER_PASS_LOG joined with the try end times; median of the ${2 * WINDOW} busy passes around the moment the k-th task instance finished (the last point: the ${WINDOW} before it). Ratio = against the figure at ${label(base.k)}`,
      "peak RSS: VmHWM of the scheduler process at the end of the run",
    ],
    figures,
  };
}
