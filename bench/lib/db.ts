import BetterSqlite3 from "better-sqlite3";
import pg from "pg";

export interface RunRow {
  readonly id: number;
  readonly state: string;
  /** Epoch ms: created (triggered), started by the scheduler, finished. */
  readonly queued_at: number | null;
  readonly start_date: number | null;
  readonly end_date: number | null;
}

export interface TiTimes {
  readonly task_id: string;
  readonly executor: string;
  readonly state: string;
  /** Epoch ms as reported by the runner: it began the try / the try finished. */
  readonly start_date: number | null;
  readonly end_date: number | null;
  /** The process that ran the try (a warm runner, for fn tasks). */
  readonly pid: number | null;
}

const FINISHED = "('success','failed','skipped','upstream_failed','removed')";

/** What the benchmark reads from a bench home's metadata database while its schedulers run. */
export interface BenchReader {
  run(dagId: string, runId: string): Promise<RunRow | undefined>;
  finishedCount(dagRunId: number): Promise<number>;
  countsByState(dagRunId: number): Promise<Record<string, number>>;
  taskTimes(dagRunId: number): Promise<TiTimes[]>;
  close(): Promise<void>;
}

/**
 * Read-only access to a bench home's SQLite database: faster than the CLI for 100k rows, and it
 * does not compete with the scheduler for its write lock (WAL readers never block the writer).
 */
export class BenchDb implements BenchReader {
  readonly #db: BetterSqlite3.Database;

  constructor(file: string) {
    this.#db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  }

  async run(dagId: string, runId: string): Promise<RunRow | undefined> {
    return this.#db
      .prepare("select id, state, queued_at, start_date, end_date from dag_run where dag_id = ? and run_id = ?")
      .get(dagId, runId) as RunRow | undefined;
  }

  async finishedCount(dagRunId: number): Promise<number> {
    const row = this.#db.prepare(`select count(*) as n from task_instance where dag_run_id = ? and state in ${FINISHED}`).get(dagRunId) as { n: number };
    return row.n;
  }

  async countsByState(dagRunId: number): Promise<Record<string, number>> {
    const rows = this.#db.prepare("select state, count(*) as n from task_instance where dag_run_id = ? group by state").all(dagRunId) as Array<{ state: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  async taskTimes(dagRunId: number): Promise<TiTimes[]> {
    return this.#db
      .prepare("select task_id, executor, state, start_date, end_date, pid from task_instance where dag_run_id = ? order by task_id")
      .all(dagRunId) as TiTimes[];
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}

/** bigint columns (epoch ms, counts) arrive as strings from pg; they fit a double exactly. */
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** The same reads against a bench home's PostgreSQL schema, on one connection of its own. */
export class PgBenchDb implements BenchReader {
  readonly #client: pg.Client;
  readonly #ready: Promise<unknown>;

  constructor(url: string, schema: string) {
    this.#client = new pg.Client({ connectionString: url, application_name: "switchyard-bench" });
    this.#ready = this.#client.connect().then(() => this.#client.query(`set search_path to "${schema}"`));
  }

  async #rows(text: string, values: unknown[]): Promise<Array<Record<string, unknown>>> {
    await this.#ready;
    return (await this.#client.query(text, values)).rows as Array<Record<string, unknown>>;
  }

  async run(dagId: string, runId: string): Promise<RunRow | undefined> {
    const [r] = await this.#rows("select id, state, queued_at, start_date, end_date from dag_run where dag_id = $1 and run_id = $2", [dagId, runId]);
    if (r === undefined) return undefined;
    return { id: Number(r.id), state: String(r.state), queued_at: num(r.queued_at), start_date: num(r.start_date), end_date: num(r.end_date) };
  }

  async finishedCount(dagRunId: number): Promise<number> {
    const [r] = await this.#rows(`select count(*) as n from task_instance where dag_run_id = $1 and state in ${FINISHED}`, [dagRunId]);
    return Number(r?.n ?? 0);
  }

  async countsByState(dagRunId: number): Promise<Record<string, number>> {
    const rows = await this.#rows("select state, count(*) as n from task_instance where dag_run_id = $1 group by state", [dagRunId]);
    return Object.fromEntries(rows.map((r) => [String(r.state), Number(r.n)]));
  }

  async taskTimes(dagRunId: number): Promise<TiTimes[]> {
    const rows = await this.#rows("select task_id, executor, state, start_date, end_date, pid from task_instance where dag_run_id = $1 order by task_id", [dagRunId]);
    return rows.map((r) => ({ task_id: String(r.task_id), executor: String(r.executor), state: String(r.state), start_date: num(r.start_date), end_date: num(r.end_date), pid: num(r.pid) }));
  }

  async close(): Promise<void> {
    await this.#client.end().catch(() => undefined);
  }
}
