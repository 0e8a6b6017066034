/**
 * cli: how long each `switchyard` command takes from spawn to exit, as a user (or a script) waits for
 * it, beside `node -e 0` (starting Node and doing nothing). The DAG folder is parsed once first, so
 * `dags list` and `dags trigger` find their file in the parse cache; one figure clears the cache before
 * each trigger to show what a parse costs. The scheduler figure is its first-task latency: from
 * spawning `scheduler --exit-when-idle` with one run queued to that run's task starting.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { runCli } from "./lib/cli.js";
import { createHome, type BenchHome } from "./lib/home.js";
import { CLI } from "./lib/paths.js";
import { step } from "./lib/progress.js";
import type { Figure, ScenarioResult } from "./lib/report.js";
import { median } from "./lib/stats.js";

export const CLI_RUNS = Number(process.env.SWITCHYARD_BENCH_CLI_RUNS ?? 7);

const DAG = `import { dag } from "@switchyard/core";

const d = dag("cli_bench", { schedule: null });
d.bash("noop", "true");
export default d;
`;

/** Milliseconds from spawning `node <args>` to its exit; rejects on a non-zero exit. */
function timed(home: BenchHome, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    execFile(process.execPath, args, { env: home.env, cwd: home.dir }, (error, _stdout, stderr) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (error) reject(new Error(`node ${args.join(" ")} failed: ${stderr.trim() || error.message}`));
      else resolve(ms);
    });
  });
}

async function medianOf(what: string, runs: number, once: (i: number) => Promise<number>): Promise<number> {
  step(`cli: ${what} x ${runs}`);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once(i));
  return median(samples);
}

/** Spawns the scheduler with one run queued; ms from the spawn to the run's task starting (as the runner reports it). */
async function firstTaskLatency(home: BenchHome, runId: string): Promise<number> {
  await runCli(home, ["dags", "trigger", "cli_bench", "--run-id", runId]);
  const spawnedAt = Date.now();
  await runCli(home, ["scheduler", "--exit-when-idle"]);
  const [ti] = JSON.parse(await runCli(home, ["tasks", "states-for-dag-run", "cli_bench", runId, "-o", "json"])) as Array<{ state: string; startDate: string | null }>;
  if (ti?.state !== "success" || ti.startDate === null) throw new Error(`run ${runId} did not succeed: ${JSON.stringify(ti)}`);
  return Date.parse(ti.startDate) - spawnedAt;
}

export async function cli(): Promise<ScenarioResult> {
  const home = await createHome("cli", {}, { "cli_bench.ts": DAG });
  try {
    const cacheDir = path.join(home.dir, ".switchyard", "dag-parse-cache");
    await runCli(home, ["dags", "list"]);
    const sy = (...args: string[]) => [CLI, ...args];
    const floor = await medianOf("node -e 0", CLI_RUNS, () => timed(home, ["-e", "0"]));
    const version = await medianOf("--version", CLI_RUNS, () => timed(home, sy("--version")));
    const getValue = await medianOf("config get-value core executor", CLI_RUNS, () => timed(home, sy("config", "get-value", "core", "executor")));
    const list = await medianOf("dags list (cached)", CLI_RUNS, () => timed(home, sy("dags", "list")));
    const trigger = await medianOf("dags trigger (cached)", CLI_RUNS, (i) => timed(home, sy("dags", "trigger", "cli_bench", "--run-id", `cached_${i}`)));
    const triggerParse = await medianOf("dags trigger (cache cleared)", CLI_RUNS, (i) => {
      fs.rmSync(cacheDir, { recursive: true, force: true });
      return timed(home, sy("dags", "trigger", "cli_bench", "--run-id", `parsed_${i}`));
    });
    const states = await medianOf("tasks states-for-dag-run", CLI_RUNS, () => timed(home, sy("tasks", "states-for-dag-run", "cli_bench", "cached_0")));
    step("cli: running the triggered runs to the end (not timed)");
    await runCli(home, ["scheduler", "--exit-when-idle"]);
    const firstTask = await medianOf("scheduler first-task latency", CLI_RUNS, (i) => firstTaskLatency(home, `first_${i}`));

    const ms = (name: string, value: number, limit?: number): Figure => ({
      name,
      unit: "ms",
      value,
      floor,
      floorLabel: "node -e 0",
      ...(limit !== undefined ? { target: { on: "value" as const, op: "<=" as const, limit } } : {}),
    });
    return {
      scenario: "cli",
      title: "CLI commands, spawn to exit, beside node -e 0",
      notes: [
        `median of ${CLI_RUNS} runs each (SWITCHYARD_BENCH_CLI_RUNS), one after another; a fresh SQLite home with one DAG file of one bash task`,
        "floor: `node -e 0` in the same home (starting Node, nothing else)",
        "cached: the DAG file was parsed before and is unchanged, so the command starts no DAG-parsing process; cache cleared: the parse cache is deleted before each trigger",
        "scheduler first-task latency: spawn of `scheduler --exit-when-idle` with one run queued to its task's start (runner-reported), DAG folder already parsed",
      ],
      figures: [
        ms("--version", version, 150),
        ms("config get-value core executor", getValue, 200),
        ms("dags list (cached)", list, 500),
        ms("dags trigger (cached)", trigger, 500),
        ms("dags trigger (cache cleared)", triggerParse),
        ms("tasks states-for-dag-run", states, 500),
        ms("scheduler first-task latency", firstTask),
      ],
    };
  } finally {
    home.cleanup();
  }
}
