import fs from "node:fs";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";

/** A task instance's row as the fault injector needs it. */
export interface LiveTi {
  readonly taskId: string;
  readonly state: string;
  readonly tryNumber: number;
  readonly pid: number | null;
}

export type DatabaseTarget =
  | {
      readonly kind: "postgres";
      /** What the deployment logs in with (its own role). */
      readonly url: string;
      readonly schema: string;
      /** What the suite itself reads with (a superuser), unaffected by the deployment's outages. */
      readonly adminUrl: string;
    }
  | { readonly kind: "sqlite"; readonly file: string };

/**
 * Reads the metadata database directly, for the fast polls of a cycle (what runs now, is the run
 * over). The verdict itself uses the CLI's JSON output, as a user would. Every method returns
 * null while the database does not answer (a PostgreSQL restart).
 */
export class Probe {
  private client: pg.Client | null = null;

  constructor(private readonly target: DatabaseTarget) {}

  async taskInstances(runId: string): Promise<LiveTi[] | null> {
    const rows = await this.query<{ task_id: string; state: string; try_number: number; pid: number | null }>(
      "select task_id, state, try_number, pid from task_instance where run_id = $1",
      [runId],
    );
    return rows?.map((r) => ({ taskId: r.task_id, state: r.state, tryNumber: Number(r.try_number), pid: r.pid === null ? null : Number(r.pid) })) ?? null;
  }

  async runState(runId: string): Promise<string | null> {
    const rows = await this.query<{ state: string }>("select state from dag_run where run_id = $1", [runId]);
    return rows?.[0]?.state ?? null;
  }

  /** The scheduler jobs (id, state, pid, start/end, latest heartbeat): evidence for a failed cycle. */
  async jobs(): Promise<unknown[] | null> {
    return this.query<unknown>("select id, state, hostname, pid, start_date, end_date, latest_heartbeat from job order by id", []);
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }

  private async query<T>(sql: string, params: unknown[]): Promise<T[] | null> {
    if (this.target.kind === "sqlite") {
      if (!fs.existsSync(this.target.file)) return null;
      let db: BetterSqlite3.Database | undefined;
      try {
        db = new BetterSqlite3(this.target.file, { readonly: true, fileMustExist: true });
        db.pragma("busy_timeout = 2000");
        return db.prepare(sql.replace(/\$\d+/g, "?")).all(...params) as T[];
      } catch {
        return null;
      } finally {
        db?.close();
      }
    }
    if (this.client === null) {
      const c = new pg.Client({ connectionString: this.target.adminUrl, connectionTimeoutMillis: 2000, application_name: "switchyard-chaos" });
      c.on("error", () => undefined);
      try {
        await c.connect();
        await c.query(`set search_path to "${this.target.schema}"`);
      } catch {
        await c.end().catch(() => undefined);
        return null;
      }
      this.client = c;
    }
    try {
      return (await this.client.query(sql, params)).rows as T[];
    } catch {
      await this.close();
      return null;
    }
  }
}
