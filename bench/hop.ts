/**
 * hop: one run of 200 sequential no-op tasks; latency from an upstream try's end to the
 * downstream try's start (both as the runner reports them), for bash, fn on warm runners, and fn
 * with process isolation. Floors: the same processes back to back from a plain Node loop.
 */
import { chainDag } from "./lib/dags.js";
import { sequentialBash, sequentialForks, warmRoundTrips } from "./lib/floors.js";
import { benchTarget, describeConfig, type HomeConfig } from "./lib/home.js";
import { step } from "./lib/progress.js";
import type { Figure, ScenarioResult } from "./lib/report.js";
import { withSession } from "./lib/session.js";
import { spread } from "./lib/stats.js";
import { chainGaps } from "./lib/timing.js";

export const HOP_TASKS = 200;
/** Process isolation starts Node, tsx and the DAG file per try: fewer hops keep the run short. */
export const HOP_PROCESS_TASKS = Number(process.env.SWITCHYARD_BENCH_HOP_PROCESS_TASKS ?? 50);

const CONFIG: HomeConfig = { parallelism: 32, executors: { LocalExecutor: { parallelism: 32, isolation: "warm" } } };

export async function hop(): Promise<ScenarioResult> {
  step(`hop floors: ${HOP_TASKS} x bash -c true back to back, 1000 IPC round trips to a warm child, ${HOP_PROCESS_TASKS} fresh Node children`);
  const bashFloor = await sequentialBash(HOP_TASKS);
  const ipcFloor = spread(await warmRoundTrips(1000));
  const forkFloor = await sequentialForks(HOP_PROCESS_TASKS);

  const dags = {
    "hop_bash.ts": chainDag("hop_bash", HOP_TASKS, { kind: "bash" }),
    "hop_fn.ts": chainDag("hop_fn", HOP_TASKS, { kind: "fn" }),
    "hop_fn_process.ts": chainDag("hop_fn_process", HOP_PROCESS_TASKS, { kind: "fn", isolation: "process" }),
  };
  step(`hop: ${HOP_TASKS} bash, ${HOP_TASKS} fn (warm) and ${HOP_PROCESS_TASKS} fn (process isolation) tasks in chains`);
  const runs = await withSession("hop", CONFIG, dags, async (s) => ({
    bash: await s.run("hop_bash", { label: "hop bash" }),
    fn: await s.run("hop_fn", { label: "hop fn" }),
    fnProcess: await s.run("hop_fn_process", { label: "hop fn (process isolation)" }),
  }));

  const bash = chainGaps(runs.bash.tis);
  const fn = chainGaps(runs.fn.tis);
  const fnp = chainGaps(runs.fnProcess.tis);
  const b = spread(bash.hopMs);
  const f = spread(fn.hopMs);
  const fp = spread(fnp.hopMs);
  const bashHopFloor = spread(bashFloor.hopMs);
  const bashStep = spread(bash.stepMs);
  const bashStepFloor = spread(bashFloor.stepMs);
  const forkReady = spread(forkFloor.readyMs);
  const forkStep = spread(forkFloor.stepMs);

  const figures: Figure[] = [
    { name: "bash hop p50", unit: "ms", value: b.p50, floor: bashHopFloor.p50, target: { on: "value", op: "<=", limit: 10 } },
    { name: "bash hop p95", unit: "ms", value: b.p95, floor: bashHopFloor.p95, target: { on: "value", op: "<=", limit: 30 } },
    { name: "bash hop p99", unit: "ms", value: b.p99, floor: bashHopFloor.p99 },
    { name: "bash step p50 (start to start)", unit: "ms", value: bashStep.p50, floor: bashStepFloor.p50 },
    { name: "bash chain wall", unit: "s", value: runs.bash.spanSeconds, floor: bashFloor.stepMs.reduce((a, x) => a + x, 0) / 1000 },
    { name: "fn hop p50 (warm)", unit: "ms", value: f.p50, floor: ipcFloor.p50, target: { on: "value", op: "<=", limit: 15 } },
    { name: "fn hop p95 (warm)", unit: "ms", value: f.p95, floor: ipcFloor.p95 },
    { name: "fn hop p99 (warm)", unit: "ms", value: f.p99, floor: ipcFloor.p99 },
    { name: "fn hop p50 (process)", unit: "ms", value: fp.p50, floor: forkReady.p50 },
    { name: "fn hop p95 (process)", unit: "ms", value: fp.p95, floor: forkReady.p95 },
    { name: "fn step p50 (process, start to start)", unit: "ms", value: spread(fnp.stepMs).p50, floor: forkStep.p50 },
  ];
  return {
    scenario: "hop",
    title: `${HOP_TASKS} sequential no-op tasks (fn with process isolation: ${HOP_PROCESS_TASKS})`,
    notes: [
      `config: ${describeConfig({ executor: "LocalExecutor", parallelism: 32, executors: CONFIG.executors ?? {}, db: benchTarget().db })}; DAG maxActiveTasks unbounded`,
      "hop = downstream try's start minus upstream try's end, both as the runner reports them (start: the runner began the try; end: the try finished)",
      `bash floor: \`bash -c true\` spawned ${HOP_TASKS} times back to back from Node; hop floor = previous exit event to next spawn call, step = spawn to spawn`,
      "fn (warm) floor: a JSON IPC round trip to a warm Node child (1000 sequential no-op messages)",
      `fn (process) floor: a fresh plain Node child (no tsx, no DAG file): fork to its first IPC message (hop), fork to exit (step); ${HOP_PROCESS_TASKS} back to back`,
    ],
    figures,
  };
}
