import { runCli } from "./cli.js";
import { BenchDb, type RunRow, type TiTimes } from "./db.js";
import { throughput } from "./timing.js";
import { createHome, type BenchHome, type HomeConfig } from "./home.js";
import { Progress } from "./progress.js";
import { SchedulerProcess, sleep } from "./scheduler.js";

/** What one triggered DAG run cost and how it went. */
export interface RunResult {
  readonly dagId: string;
  readonly runId: string;
  readonly run: RunRow;
  readonly tis: TiTimes[];
  /** Scheduler CPU seconds from just before the trigger to the run's end. */
  readonly schedulerCpu: number;
  /** CPU seconds of the runner processes alive at the end, over the same span (0 with process isolation). */
  readonly runnerCpu: number;
  /** Wall seconds from the first try's start to the last try's end. */
  readonly spanSeconds: number;
  /** Wall seconds from the trigger (run created) to the run's end. */
  readonly triggerToDoneSeconds: number;
}

const DEFAULT_RUN_TIMEOUT_MS = 30 * 60_000;

/** Things that went wrong but were worked around (printed at the end of the run: they are findings). */
export const incidents: string[] = [];

/** A bench home with a scheduler running in it. Runs are triggered one at a time and awaited. */
export class Session {
  readonly db: BenchDb;
  #runs = 0;

  private constructor(
    readonly home: BenchHome,
    readonly scheduler: SchedulerProcess,
  ) {
    this.db = new BenchDb(home.dbFile);
  }

  static async open(label: string, config: HomeConfig, dags: Readonly<Record<string, string>>): Promise<Session> {
    const home = await createHome(label, config, dags);
    const scheduler = new SchedulerProcess(home);
    try {
      await scheduler.ready();
    } catch (error) {
      await scheduler.stop();
      throw error;
    }
    return new Session(home, scheduler);
  }

  /** Trigger `dagId`, wait for its run to succeed, and collect its figures. */
  async run(dagId: string, opts: { label?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    const runId = `bench_${++this.#runs}`;
    const progress = new Progress(opts.label ?? dagId);
    const cpu0 = this.scheduler.cpuSeconds();
    const runners0 = this.scheduler.childCpu();
    await this.trigger(dagId, runId);
    const created = this.db.run(dagId, runId);
    if (created === undefined) throw new Error(`dags trigger ${dagId} did not create run ${runId}`);
    const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS);
    const started = Date.now();
    let total = 0;
    for (;;) {
      const row = this.db.run(dagId, runId) as RunRow;
      if (row.state === "success" || row.state === "failed") break;
      if (Date.now() > deadline) {
        throw new Error(`run ${runId} of ${dagId} did not finish in time; task states: ${JSON.stringify(this.db.countsByState(created.id))}\n${this.scheduler.logTail()}`);
      }
      const done = this.db.finishedCount(created.id);
      total ||= Object.values(this.db.countsByState(created.id)).reduce((a, b) => a + b, 0);
      const secs = (Date.now() - started) / 1000;
      progress.update(`${done}/${total} task instances finished, ${secs.toFixed(0)}s`);
      await sleep(250);
    }
    const schedulerCpu = this.scheduler.cpuSeconds() - cpu0;
    let runnerCpu = 0;
    for (const [pid, cpu] of this.scheduler.childCpu()) runnerCpu += cpu - (runners0.get(pid) ?? 0);
    const run = this.db.run(dagId, runId) as RunRow;
    const tis = this.db.taskTimes(run.id);
    progress.done();
    if (run.state !== "success") {
      throw new Error(`run ${runId} of ${dagId} ended ${run.state}; task states: ${JSON.stringify(this.db.countsByState(run.id))}\n${this.scheduler.logTail()}`);
    }
    return {
      dagId,
      runId,
      run,
      tis,
      schedulerCpu,
      runnerCpu,
      spanSeconds: throughput(tis).seconds,
      triggerToDoneSeconds: ((run.end_date ?? Number.NaN) - (run.queued_at ?? Number.NaN)) / 1000,
    };
  }

  /**
   * `dags trigger`, retried when SQLite answers "database is locked" (seen while the scheduler
   * commits many small transactions; the CLI's transaction is rolled back, nothing is written).
   * Each retry is reported on stderr: it is a finding, not noise.
   */
  async trigger(dagId: string, runId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await runCli(this.home, ["dags", "trigger", dagId, "--run-id", runId]);
        return;
      } catch (error) {
        const locked = error instanceof Error && /database is locked/.test(error.message);
        if (!locked || attempt >= 10) throw error;
        if (this.db.run(dagId, runId) !== undefined) return;
        const note = `\`dags trigger ${dagId}\` failed with "database is locked" while the scheduler was running; retried (attempt ${attempt})`;
        incidents.push(note);
        process.stderr.write(`  note: ${note}\n`);
        await sleep(200);
      }
    }
  }

  async close(): Promise<void> {
    await this.scheduler.stop();
    this.db.close();
    this.home.cleanup();
  }
}

/** Open a session, run `fn` in it, always close it. */
export async function withSession<T>(
  label: string,
  config: HomeConfig,
  dags: Readonly<Record<string, string>>,
  fn: (session: Session) => Promise<T>,
): Promise<T> {
  const session = await Session.open(label, config, dags);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}
