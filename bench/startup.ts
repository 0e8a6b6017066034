/**
 * startup: the peers scenario's first-task figure alone (issue 12 item 4), with more rounds and the
 * scheduler's CPU time: `switchyard scheduler` spawned with one run waiting, on the peers' DAG folder
 * already parsed and unchanged, to that run's try starting. Quicker than the whole peers scenario
 * when only start-up is being worked on.
 */
import { firstTaskAfterStart, probeDag } from "./lib/peers-startup.js";
import { step } from "./lib/progress.js";
import type { ScenarioResult } from "./lib/report.js";
import { fmt, median } from "./lib/stats.js";
import { PEER_DAGS, switchyardConfig } from "./peers.js";

function roundsFromEnv(): number {
  const raw = process.env.SWITCHYARD_BENCH_STARTUP_ROUNDS;
  if (raw === undefined || raw === "") return 7;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`SWITCHYARD_BENCH_STARTUP_ROUNDS takes a whole number >= 1, not ${JSON.stringify(raw)}`);
  return n;
}

export async function startup(): Promise<ScenarioResult> {
  const rounds = roundsFromEnv();
  step(`startup: first task after the scheduler starts on a parsed, unchanged DAG folder, ${rounds} times`);
  const measured = await firstTaskAfterStart(switchyardConfig("sqlite"), { ...PEER_DAGS, "peers_probe.ts": probeDag("peers_probe") }, "peers_probe", rounds);
  return {
    scenario: "startup",
    title: `First task after \`switchyard scheduler\` starts, parsed and unchanged DAG folder (SQLite), median of ${rounds} rounds`,
    notes: [
      "the peers scenario's folder (its hop and fan-out DAGs) plus a one-task probe DAG, parsed once by a first scheduler; each round triggers a probe run while no scheduler is up, then spawns `switchyard scheduler`",
      "first task: spawn to the try's start as the runner reports it (whole ms); scheduler CPU: user + system seconds of the scheduler process at the first 10 ms poll that saw the try started",
      `each round: ${measured.map((r) => `${fmt(r.ms, 0)} ms / ${fmt(r.schedulerCpuS * 1000, 0)} ms CPU`).join(", ")}`,
    ],
    figures: [
      { name: "first task after `scheduler` starts, median", unit: "ms", value: median(measured.map((r) => r.ms)), target: { on: "value", op: "<=", limit: 300 } },
      { name: "scheduler CPU until the first task runs, median", unit: "ms", value: median(measured.map((r) => r.schedulerCpuS * 1000)) },
    ],
  };
}
