/**
 * multi: the fan-out split across SequentialExecutor and two LocalExecutor aliases; tasks/s per
 * executor, and the cost of routing against the same fan-out on a single LocalExecutor.
 */
import { fanoutDag } from "./lib/dags.js";
import { describeConfig, type HomeConfig } from "./lib/home.js";
import { step } from "./lib/progress.js";
import type { Figure, ScenarioResult } from "./lib/report.js";
import { withSession, type RunResult } from "./lib/session.js";
import { throughput } from "./lib/timing.js";

export const MULTI_TASKS = Number(process.env.SWITCHYARD_BENCH_MULTI_TASKS ?? 10_000);
const EXECUTORS = ["a", "b", "SequentialExecutor"] as const;

const SINGLE: HomeConfig = { parallelism: 32, executors: { LocalExecutor: { parallelism: 32, isolation: "warm" } } };
const MULTI: HomeConfig = {
  executor: "a:LocalExecutor,b:LocalExecutor,SequentialExecutor",
  parallelism: 32,
  executors: { a: { parallelism: 16, isolation: "warm" }, b: { parallelism: 16, isolation: "warm" } },
};

function full(c: HomeConfig): Required<Omit<HomeConfig, "db" | "settings">> {
  return { executor: c.executor ?? "LocalExecutor", parallelism: c.parallelism ?? 32, executors: c.executors ?? {} };
}

async function runOnce(label: string, config: HomeConfig, executors?: readonly string[]): Promise<RunResult> {
  const dags = { "multi.ts": fanoutDag("multi", MULTI_TASKS, { kind: "fn", ...(executors ? { executors } : {}) }) };
  return withSession(`multi-${label}`, config, dags, (s) => s.run("multi", { label: `multi ${label}` }));
}

export async function multi(): Promise<ScenarioResult> {
  step(`multi: ${MULTI_TASKS} fn tasks on one LocalExecutor, then dealt round robin to ${EXECUTORS.join(", ")}`);
  const single = await runOnce("single", SINGLE);
  const routed = await runOnce("routed", MULTI, EXECUTORS);
  const singleRate = throughput(single.tis).perSecond;
  const local = routed.tis.filter((t) => t.executor !== "SequentialExecutor");
  const perExecutor = EXECUTORS.map((name): Figure => {
    const tis = routed.tis.filter((t) => t.executor === name);
    return { name: `routed: ${name} tasks/s (${tis.length} tasks, its own first start to last end)`, unit: "tasks/s", value: throughput(tis).perSecond };
  });
  const n = routed.tis.length;
  const figures: Figure[] = [
    { name: "routed: a+b (LocalExecutor aliases) tasks/s", unit: "tasks/s", value: throughput(local).perSecond, floor: singleRate, floorLabel: "single" },
    ...perExecutor,
    { name: "routed: whole run tasks/s", unit: "tasks/s", value: throughput(routed.tis).perSecond, floor: singleRate, floorLabel: "single" },
    { name: "routed: scheduler CPU per 1,000 tasks", unit: "s", value: (routed.schedulerCpu / n) * 1000, floor: (single.schedulerCpu / single.tis.length) * 1000, floorLabel: "single" },
    { name: "single LocalExecutor tasks/s", unit: "tasks/s", value: singleRate },
  ];
  return {
    scenario: "multi",
    title: `${MULTI_TASKS} independent no-op fn tasks routed to three executors`,
    notes: [
      `single: ${describeConfig(full(SINGLE))}`,
      `routed: ${describeConfig(full(MULTI))}; task i runs on ${EXECUTORS.join(" / ")} by i mod 3`,
      "floor here = the same fan-out on the single LocalExecutor in the same run (ratio < 1: routing costs throughput)",
      "the SequentialExecutor runs one fn try at a time inside the scheduler process",
    ],
    figures,
  };
}
