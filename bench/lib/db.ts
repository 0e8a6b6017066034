import BetterSqlite3 from "better-sqlite3";

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
}

const FINISHED = "('success','failed','skipped','upstream_failed','removed')";

/**
 * Read-only access to a bench home's SQLite database: faster than the CLI for 100k rows, and it
 * does not compete with the scheduler for its write lock (WAL readers never block the writer).
 */
export class BenchDb {
  readonly #db: BetterSqlite3.Database;

  constructor(file: string) {
    this.#db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  }

  run(dagId: string, runId: string): RunRow | undefined {
    return this.#db
      .prepare("select id, state, queued_at, start_date, end_date from dag_run where dag_id = ? and run_id = ?")
      .get(dagId, runId) as RunRow | undefined;
  }

  finishedCount(dagRunId: number): number {
    const row = this.#db.prepare(`select count(*) as n from task_instance where dag_run_id = ? and state in ${FINISHED}`).get(dagRunId) as { n: number };
    return row.n;
  }

  countsByState(dagRunId: number): Record<string, number> {
    const rows = this.#db.prepare("select state, count(*) as n from task_instance where dag_run_id = ? group by state").all(dagRunId) as Array<{ state: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  taskTimes(dagRunId: number): TiTimes[] {
    return this.#db
      .prepare("select task_id, executor, state, start_date, end_date from task_instance where dag_run_id = ? order by task_id")
      .all(dagRunId) as TiTimes[];
  }

  close(): void {
    this.#db.close();
  }
}
