/**
 * graphile-worker (PostgreSQL) driven as the peers benchmark needs: a producer here (WorkerUtils),
 * the runner in a plain Node child process (peers-graphile-worker.mjs), jobs that each run one
 * `bash -c true`. Every use gets a schema of its own on PG_BENCH_URL, dropped afterwards.
 */
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { Logger, makeWorkerUtils, type WorkerUtils } from "graphile-worker";
import pg from "pg";
import { PG_BENCH_URL } from "./home.js";
import { spansFromReports, wallSeconds, type Span, type TryReport } from "./spans.js";

const RUNNER = fileURLToPath(new URL("./peers-graphile-worker.mjs", import.meta.url));

/**
 * "defaults": graphile-worker as documented out of the box (but for the pool size it asks for at
 * this concurrency, see peers-graphile-worker.mjs), one `addJob` per job; "batched": its batching
 * options (local queue, batched completions) and `addJobs`.
 */
export type GraphileMode = "defaults" | "batched";

const quiet = new Logger(() => (level, message) => {
  if (level === "error" || level === "warning") process.stderr.write(`graphile-worker ${level}: ${message}\n`);
});

/** A graphile-worker runner process; `completed(i)` resolves when job i's `job:complete` event reaches us. */
class GraphileRunner {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, () => void>();
  readonly #exited: Promise<unknown>;
  completions = 0;
  #failure: string | null = null;

  constructor(schema: string, concurrency: number, mode: GraphileMode) {
    this.#child = fork(RUNNER, [PG_BENCH_URL, schema, String(concurrency), mode], { execArgv: [], serialization: "json", stdio: ["ignore", "inherit", "inherit", "ipc"] });
    this.#exited = once(this.#child, "exit");
    this.#child.on("message", (m: { completed?: number; error?: string }) => {
      if (m.completed === undefined) return;
      if (m.error !== undefined) this.#failure ??= `job ${m.completed} failed: ${m.error}`;
      this.completions++;
      this.#waiting.get(m.completed)?.();
      this.#waiting.delete(m.completed);
    });
  }

  async ready(): Promise<void> {
    const [message] = await Promise.race([once(this.#child, "message"), this.#exited.then(() => [{ exited: true }])]);
    if ((message as { ready?: boolean }).ready !== true) throw new Error("the graphile-worker runner exited before it was ready (see its output above)");
  }

  completed(i: number): Promise<void> {
    return new Promise((resolve) => this.#waiting.set(i, resolve));
  }

  /** Throws if a job failed (a bench job never should). */
  check(): void {
    if (this.#failure !== null) throw new Error(`graphile-worker: ${this.#failure}`);
  }

  /** Graceful stop (in-flight completions are written), then each job's start and end. */
  async stop(): Promise<TryReport> {
    const report = once(this.#child, "message");
    this.#child.send("stop");
    const [message] = await report;
    await this.#exited;
    return (message as { tries: TryReport }).tries;
  }

  kill(): void {
    this.#child.kill("SIGKILL");
  }
}

async function withRunner<T>(schema: string, concurrency: number, mode: GraphileMode, body: (runner: GraphileRunner, utils: WorkerUtils) => Promise<T>): Promise<T> {
  const runner = new GraphileRunner(schema, concurrency, mode);
  let utils: WorkerUtils | undefined;
  try {
    await runner.ready();
    utils = await makeWorkerUtils({ connectionString: PG_BENCH_URL, schema, logger: quiet });
    return await body(runner, utils);
  } catch (error) {
    runner.kill();
    throw error;
  } finally {
    await utils?.release();
  }
}

/** A schema of its own for graphile-worker (its tables are created by the first runner), dropped afterwards. */
export async function withGraphileSchema<T>(label: string, body: (schema: string) => Promise<T>): Promise<T> {
  const schema = `graphile_bench_${process.pid}_${Date.now().toString(36)}_${label}`.slice(0, 63);
  try {
    return await body(schema);
  } finally {
    const client = new pg.Client({ connectionString: PG_BENCH_URL });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end());
  }
}

/**
 * `n` jobs run by one runner of `concurrency`: added one `addJob` at a time ("defaults") or with
 * `addJobs` in batches of 1,000 ("batched"). Tasks/s over first start to last end.
 */
export function graphileFanout(schema: string, n: number, concurrency: number, mode: GraphileMode): Promise<{ perSecond: number; spans: Span[] }> {
  return withRunner(schema, concurrency, mode, async (runner, utils) => {
    const done = new Promise<void>((resolve) => {
      let seen = 0;
      for (let i = 0; i < n; i++) void runner.completed(i).then(() => ++seen === n && resolve());
    });
    if (mode === "batched") {
      for (let i = 0; i < n; i += 1000) await utils.addJobs(Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ identifier: "bash", payload: { i: i + j } })));
    } else {
      for (let i = 0; i < n; i++) await utils.addJob("bash", { i });
    }
    await done;
    runner.check();
    const spans = spansFromReports([await runner.stop()], n, "graphile-worker fan-out");
    return { perSecond: n / wallSeconds(spans), spans };
  });
}

/**
 * `n` jobs one after another on a runner of concurrency 1 (graphile-worker's default), each added
 * when the previous one's `job:complete` event reaches this process. Spans in order.
 */
export function graphileHop(schema: string, n: number, mode: GraphileMode): Promise<Span[]> {
  return withRunner(schema, 1, mode, async (runner, utils) => {
    for (let i = 0; i < n; i++) {
      const completed = runner.completed(i);
      await utils.addJob("bash", { i });
      await completed;
    }
    runner.check();
    return spansFromReports([await runner.stop()], n, "graphile-worker hop");
  });
}
