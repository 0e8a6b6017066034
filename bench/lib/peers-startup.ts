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
/** How often the probe looks at the database (and samples the scheduler's CPU time). */
const POLL_MS = 10;

/** A one-task DAG for the probe runs. */
export function probeDag(dagId: string): string {
  return `import { dag } from "@switchyard/core";
const d = dag(${JSON.stringify(dagId)}, { schedule: null });
d.bash("probe", "true");
export default d;
`;
}

/** One round: spawn to the try's start, and the scheduler's CPU time when the start was first seen. */
export interface StartupRound {
  readonly ms: number;
  /** CPU seconds (user + system) of the scheduler process, read at the first poll that saw the try started. */
  readonly schedulerCpuS: number;
}

/**
 * Milliseconds from the scheduler's spawn to the start of run `probe` of `dagId`'s first try, once
 * per round. `dags` must hold `dagId` (see probeDag); the rest are the folder's other DAG files.
 * On SQLite (one scheduler at a time: the runs are triggered with none up).
 */
export async function firstTaskAfterStart(config: HomeConfig, dags: Readonly<Record<string, string>>, dagId: string, rounds: number): Promise<StartupRound[]> {
  const home = await createHome("peers-startup", config, dags);
  try {
    const parse = new SchedulerProcess(home, 0);
    try {
      await parse.ready();
    } finally {
      await parse.stop();
    }
    const db = new BenchDb(home.dbFile);
    const out: StartupRound[] = [];
    try {
      for (let r = 1; r <= rounds; r++) {
        const runId = `probe_${r}`;
        await runCli(home, ["dags", "trigger", dagId, "--run-id", runId]);
        const spawned = Date.now();
        const scheduler = new SchedulerProcess(home, r);
        try {
          const deadline = spawned + WAIT_MS;
          let cpuAtStart: number | null = null;
          for (;;) {
            const run = await db.run(dagId, runId);
            if (cpuAtStart === null && run !== undefined) {
              const [ti] = await db.taskTimes(run.id);
              if (ti?.start_date != null) cpuAtStart = scheduler.cpuSeconds();
            }
            if (run?.state === "success") {
              const [ti] = await db.taskTimes(run.id);
              out.push({ ms: (ti?.start_date ?? Number.NaN) - spawned, schedulerCpuS: cpuAtStart ?? scheduler.cpuSeconds() });
              break;
            }
            if (run?.state === "failed") throw new Error(`start-up probe: run ${runId} failed\n${scheduler.logTail()}`);
            if (Date.now() > deadline) throw new Error(`start-up probe: run ${runId} did not finish within ${WAIT_MS / 1000}s of the scheduler's start\n${scheduler.logTail()}`);
            await sleep(POLL_MS);
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
