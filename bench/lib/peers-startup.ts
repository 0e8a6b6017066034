/**
 * How soon after `switchyard scheduler` starts its first task runs, on a DAG folder it has already
 * parsed and that has not changed since (issue 12's start-up target): a first scheduler parses
 * the folder (filling the parse cache) and stops; then, per round, a run is triggered while no
 * scheduler is up, a scheduler is started, and its first try's start (as the runner reports it)
 * is set against the moment the scheduler process was spawned.
 */
import { runCli } from "./cli.js";
import { BenchDb } from "./db.js";
import { createHome, type HomeConfig } from "./home.js";
import { SchedulerProcess, sleep } from "./scheduler.js";

const WAIT_MS = 120_000;

/** A one-task DAG for the probe runs. */
export function probeDag(dagId: string): string {
  return `import { dag } from "@switchyard/core";
const d = dag(${JSON.stringify(dagId)}, { schedule: null });
d.bash("probe", "true");
export default d;
`;
}

/**
 * Milliseconds from the scheduler's spawn to the start of run `probe` of `dagId`'s first try, once
 * per round. `dags` must hold `dagId` (see probeDag); the rest are the folder's other DAG files.
 * On SQLite (one scheduler at a time: the runs are triggered with none up).
 */
export async function firstTaskAfterStart(config: HomeConfig, dags: Readonly<Record<string, string>>, dagId: string, rounds: number): Promise<number[]> {
  const home = await createHome("peers-startup", config, dags);
  try {
    const parse = new SchedulerProcess(home, 0);
    try {
      await parse.ready();
    } finally {
      await parse.stop();
    }
    const db = new BenchDb(home.dbFile);
    const out: number[] = [];
    try {
      for (let r = 1; r <= rounds; r++) {
        const runId = `probe_${r}`;
        await runCli(home, ["dags", "trigger", dagId, "--run-id", runId]);
        const spawned = Date.now();
        const scheduler = new SchedulerProcess(home, r);
        try {
          const deadline = spawned + WAIT_MS;
          for (;;) {
            const run = await db.run(dagId, runId);
            if (run?.state === "success") {
              const [ti] = await db.taskTimes(run.id);
              out.push((ti?.start_date ?? Number.NaN) - spawned);
              break;
            }
            if (run?.state === "failed") throw new Error(`start-up probe: run ${runId} failed\n${scheduler.logTail()}`);
            if (Date.now() > deadline) throw new Error(`start-up probe: run ${runId} did not finish within ${WAIT_MS / 1000}s of the scheduler's start\n${scheduler.logTail()}`);
            await sleep(20);
          }
        } finally {
          await scheduler.stop();
        }
      }
    } finally {
      await db.close();
    }
    return out;
  } finally {
    home.cleanup();
  }
}
