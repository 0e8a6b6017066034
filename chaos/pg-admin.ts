import pg from "pg";
import { sleep } from "./deployment.js";

/**
 * Each PostgreSQL cycle logs in as a role of its own, so the suite can cut that deployment off
 * the database (its sessions terminated, its logins refused) without touching anyone else's.
 */
export class PgAdmin {
  constructor(
    /** A superuser URL (the suite's --pg-url). */
    readonly adminUrl: string,
    readonly role: string,
  ) {}

  /** The deployment's URL: the admin URL with the role as its user. */
  get url(): string {
    const u = new URL(this.adminUrl);
    u.username = this.role;
    u.password = "";
    return u.toString();
  }

  async createRole(): Promise<void> {
    await this.exec(async (c) => {
      const db = (await c.query<{ db: string }>("select current_database() as db")).rows[0]!.db;
      await c.query(`drop role if exists "${this.role}"`);
      await c.query(`create role "${this.role}" login`);
      await c.query(`grant create on database "${db}" to "${this.role}"`);
    });
  }

  /** Drops the deployment's schema and role. */
  async dropAll(schema: string): Promise<void> {
    await this.exec(async (c) => {
      await c.query(`drop schema if exists "${schema}" cascade`);
      await c.query(`drop owned by "${this.role}"`);
      await c.query(`drop role if exists "${this.role}"`);
    });
  }

  /** Refuses the role's logins and terminates its sessions; allows logins again after `downMs`. */
  async outage(downMs: number): Promise<number> {
    let cut = 0;
    try {
      await this.exec(async (c) => {
        await c.query(`alter role "${this.role}" nologin`);
        const r = await c.query("select pg_terminate_backend(pid) from pg_stat_activity where usename = $1", [this.role]);
        cut = r.rowCount ?? 0;
      });
      await sleep(downMs);
    } finally {
      await this.allowLogin();
    }
    return cut;
  }

  async allowLogin(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.exec((c) => c.query(`alter role "${this.role}" login`));
        return;
      } catch (err) {
        if (attempt >= 30) throw err;
        await sleep(1000);
      }
    }
  }

  private async exec<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const c = new pg.Client({ connectionString: this.adminUrl, connectionTimeoutMillis: 5000, application_name: "switchyard-chaos" });
    c.on("error", () => undefined);
    try {
      await c.connect();
      return await fn(c);
    } finally {
      await c.end().catch(() => undefined);
    }
  }
}
