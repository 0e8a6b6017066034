import { runCli } from "./cli.js";
import { BenchDb, PgBenchDb, type BenchReader, type RunRow, type TiTimes } from "./db.js";
import { throughput } from "./timing.js";
import { benchTarget, createHome, PG_BENCH_URL, type BenchHome, type HomeConfig } from "./home.js";
import { Progress } from "./progress.js";
import { SchedulerProcess, sleep } from "./scheduler.js";

/** What one triggered DAG run cost and how it went. */
export interface RunResult {
  readonly dagId: string;
  readonly runId: string;
  readonly run: RunRow;
  readonly tis: TiTimes[];
  /** Scheduler CPU seconds from just before the trigger to the run's end (all schedulers of the home together; see Session.runs). */
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

/** A bench home with one or more schedulers running in it. Runs are triggered (one, or several at once) and awaited. */
export class Session {
  readonly db: BenchReader;
  #runs = 0;

  private constructor(
    readonly home: BenchHome,
    readonly schedulers: readonly SchedulerProcess[],
  ) {
    this.db = home.pgSchema === null ? new BenchDb(home.dbFile) : new PgBenchDb(PG_BENCH_URL, home.pgSchema);
  }

  /** The first scheduler (the only one unless the session was opened with several). */
  get scheduler(): SchedulerProcess {
    return this.schedulers[0]!;
  }

  /** @param schedulers - how many `switchyard scheduler` processes to run on the home's database at once (active-active needs PostgreSQL). */
  static async open(label: string, config: HomeConfig, dags: Readonly<Record<string, string>>, schedulers = benchTarget().schedulers): Promise<Session> {
    const home = await createHome(label, config, dags);
    const started = Array.from({ length: Math.max(1, schedulers) }, (_, i) => new SchedulerProcess(home, i));
    try {
      for (const s of started) await s.ready();
    } catch (error) {
      for (const s of started) await s.stop();
      throw error;
    }
    return new Session(home, started);
  }

  #cpu(): number {
    return this.schedulers.reduce((sum, s) => sum + s.cpuSeconds(), 0);
  }

  #childCpu(): Map<number, number> {
    const out = new Map<number, number>();
    for (const s of this.schedulers) for (const [pid, cpu] of s.childCpu()) out.set(pid, cpu);
    return out;
  }

  /** Trigger `dagId`, wait for its run to succeed, and collect its figures. */
  async run(dagId: string, opts: { label?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    return (await this.runs([dagId], opts))[0]!;
  }

  /**
   * Trigger one run of each DAG at once, wait until all have succeeded, and collect each one's
   * figures. With several runs, schedulerCpu and runnerCpu are those of the whole span, the same
   * in every result (the runs share the scheduler and its runners).
   */
  async runs(dagIds: readonly string[], opts: { label?: string; timeoutMs?: number } = {}): Promise<RunResult[]> {
    const runIds = dagIds.map(() => `bench_${++this.#runs}`);
    const progress = new Progress(opts.label ?? dagIds.join(", "));
    const cpu0 = this.#cpu();
    const runners0 = this.#childCpu();
    await Promise.all(dagIds.map((dagId, i) => this.trigger(dagId, runIds[i]!)));
    const created = await Promise.all(
      dagIds.map(async (dagId, i) => {
        const row = await this.db.run(dagId, runIds[i]!);
        if (row === undefined) throw new Error(`dags trigger ${dagId} did not create run ${runIds[i]}`);
        return row;
      }),
    );
    const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS);
    const started = Date.now();
    let total = 0;
    for (;;) {
      const rows = await Promise.all(dagIds.map(async (dagId, i) => (await this.db.run(dagId, runIds[i]!)) as RunRow));
      if (rows.every((row) => row.state === "success" || row.state === "failed")) break;
      if (Date.now() > deadline) {
        const states = await Promise.all(created.map((c) => this.db.countsByState(c.id)));
        throw new Error(`runs ${runIds.join(", ")} of ${dagIds.join(", ")} did not finish in time; task states: ${JSON.stringify(states)}\n${this.scheduler.logTail()}`);
      }
      let done = 0;
      for (const c of created) done += await this.db.finishedCount(c.id);
      if (total === 0) for (const c of created) total += Object.values(await this.db.countsByState(c.id)).reduce((a, b) => a + b, 0);
      const secs = (Date.now() - started) / 1000;
      progress.update(`${done}/${total} task instances finished, ${secs.toFixed(0)}s`);
      await sleep(250);
    }
    const schedulerCpu = this.#cpu() - cpu0;
    let runnerCpu = 0;
    for (const [pid, cpu] of this.#childCpu()) runnerCpu += cpu - (runners0.get(pid) ?? 0);
    progress.done();
    const results: RunResult[] = [];
    for (const [i, dagId] of dagIds.entries()) {
      const runId = runIds[i]!;
      const run = (await this.db.run(dagId, runId)) as RunRow;
      const tis = await this.db.taskTimes(run.id);
      if (run.state !== "success") {
        throw new Error(`run ${runId} of ${dagId} ended ${run.state}; task states: ${JSON.stringify(await this.db.countsByState(run.id))}\n${this.scheduler.logTail()}`);
      }
      results.push({
        dagId,
        runId,
        run,
        tis,
        schedulerCpu,
        runnerCpu,
        spanSeconds: throughput(tis).seconds,
        triggerToDoneSeconds: ((run.end_date ?? Number.NaN) - (run.queued_at ?? Number.NaN)) / 1000,
      });
    }
    return results;
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
        if ((await this.db.run(dagId, runId)) !== undefined) return;
        const note = `\`dags trigger ${dagId}\` failed with "database is locked" while the scheduler was running; retried (attempt ${attempt})`;
        incidents.push(note);
        process.stderr.write(`  note: ${note}\n`);
        await sleep(200);
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.schedulers.map((s) => s.stop()));
    await this.db.close();
    this.home.cleanup();
  }
}

/** Open a session, run `fn` in it, always close it. */
export async function withSession<T>(
  label: string,
  config: HomeConfig,
  dags: Readonly<Record<string, string>>,
  fn: (session: Session) => Promise<T>,
  schedulers?: number,
): Promise<T> {
  const session = await Session.open(label, config, dags, schedulers);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}
