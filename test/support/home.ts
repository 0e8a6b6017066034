import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import BetterSqlite3 from "better-sqlite3";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CLI = path.join(ROOT, "dist", "cli", "main.js");

/**
 * The database the end-to-end tests run against: SQLite files (the default), or PostgreSQL when
 * SWITCHYARD_TEST_DB=postgres — then every Home gets its own schema in the `test` database
 * (SWITCHYARD_TEST_PG_URL overrides the URL), dropped by cleanup().
 */
export const TEST_DB: "sqlite" | "postgres" = process.env.SWITCHYARD_TEST_DB === "postgres" ? "postgres" : "sqlite";
export const PG_TEST_URL = process.env.SWITCHYARD_TEST_PG_URL || "postgresql://postgres@127.0.0.1:5432/test";
export const PG_START_HINT = "start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start";

/** Runs SQL against PG_TEST_URL synchronously (cleanup() and checks stay synchronous), in a child node with pg. */
export function pgSync(statements: string, opts: { url?: string } = {}): { ok: true; rows: unknown[] } | { ok: false; error: string } {
  const script = `
    const pg = require("pg");
    const c = new pg.Client({ connectionString: process.env.URL, connectionTimeoutMillis: 5000 });
    c.connect()
      .then(() => c.query("set lock_timeout = 15000"))
      .then(() => c.query(process.env.SQL))
      .then((r) => { process.stdout.write(JSON.stringify((Array.isArray(r) ? r.at(-1) : r).rows ?? [])); return c.end(); })
      .catch((e) => { process.stderr.write(String(e && (e.message || e.code) || e)); process.exitCode = 1; c.end().catch(() => {}); });`;
  const r = spawnSync(process.execPath, ["-e", script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", URL: opts.url ?? PG_TEST_URL, SQL: statements },
    encoding: "utf8",
    timeout: 30_000,
  });
  if (r.status !== 0) return { ok: false, error: (r.stderr || r.error?.message || `exit ${r.status}`).trim() };
  return { ok: true, rows: JSON.parse(r.stdout || "[]") as unknown[] };
}

let pgChecked = false;
function assertPostgresAnswers(): void {
  if (pgChecked) return;
  const r = pgSync("select 1");
  if (!r.ok) {
    throw new Error(`SWITCHYARD_TEST_DB=postgres, but PostgreSQL does not answer at ${PG_TEST_URL} (${r.error}); ${PG_START_HINT}`);
  }
  pgChecked = true;
}

let homeCount = 0;

/** One row of `dags audit-log -o json`. */
export interface AuditRow {
  time: string;
  dagId: string;
  runId: string | null;
  taskId: string | null;
  mapIndex: number | null;
  tryNumber: number | null;
  event: string;
  fromState: string | null;
  toState: string | null;
  reason: string | null;
  source: string | null;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A throwaway $SWITCHYARD_HOME with a switchyard.toml and DAG files, driven through the real CLI. */
export class Home {
  readonly dir: string;
  readonly dagsDir: string;
  /** The backend this home's CLI runs against (TEST_DB unless the constructor says otherwise). */
  readonly db: "sqlite" | "postgres";
  /** With PostgreSQL: the schema this home's tables live in (it exists once `db init` ran). */
  readonly pgSchema: string | null;
  private readonly children = new Set<ChildProcess>();
  private initialised = false;

  constructor(opts: { toml?: string; dags?: Record<string, string>; db?: "sqlite" | "postgres" } = {}) {
    this.db = opts.db ?? TEST_DB;
    if (this.db === "postgres") assertPostgresAnswers();
    this.pgSchema = this.db === "postgres" ? `sy_test_${process.pid}_${++homeCount}_${Math.random().toString(36).slice(2, 8)}` : null;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-test-"));
    this.dagsDir = path.join(this.dir, "dags");
    fs.mkdirSync(this.dagsDir);
    if (opts.toml !== undefined) fs.writeFileSync(path.join(this.dir, "switchyard.toml"), opts.toml);
    for (const [name, text] of Object.entries(opts.dags ?? {})) this.writeDag(name, text);
  }

  writeDag(name: string, text: string): void {
    fs.writeFileSync(path.join(this.dagsDir, name), text);
  }

  /** A file under the home, for tasks to write markers into. */
  file(name: string): string {
    return path.join(this.dir, name);
  }

  /** With PostgreSQL, the database comes from the environment, so tests that write their own switchyard.toml keep working; `extra` wins. */
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const database: Record<string, string> =
      this.pgSchema === null ? {} : { SWITCHYARD__DATABASE__URL: PG_TEST_URL, SWITCHYARD__DATABASE__SCHEMA: this.pgSchema };
    const env: NodeJS.ProcessEnv = { ...process.env, SWITCHYARD_HOME: this.dir, ...database, ...extra };
    // Tests run under tsx; the CLI under test is the built one, as a user runs it.
    delete env.NODE_OPTIONS;
    return env;
  }

  /** Starts the CLI; resolves when it exits. */
  spawn(args: string[], opts: { env?: Record<string, string>; input?: string } = {}): { child: ChildProcess; done: Promise<CliResult> } {
    const stdin = opts.input === undefined ? "ignore" : "pipe";
    const child = spawn(process.execPath, [CLI, ...args], { cwd: this.dir, env: this.env(opts.env), stdio: [stdin, "pipe", "pipe"] });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    this.children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<CliResult>((resolve) => {
      child.on("close", (code, signal) => {
        this.children.delete(child);
        if (code === 0 && args[0] === "db" && ["init", "migrate", "reset"].includes(args[1] ?? "")) this.initialised = true;
        resolve({ code, signal, stdout, stderr });
      });
    });
    return { child, done };
  }

  run(args: string[], opts: { env?: Record<string, string> } = {}): Promise<CliResult> {
    return this.spawn(args, opts).done;
  }

  /** Runs the CLI with `input` on its stdin. */
  runWithInput(args: string[], input: string, opts: { env?: Record<string, string> } = {}): Promise<CliResult> {
    return this.spawn(args, { ...opts, input }).done;
  }

  /** Runs the CLI and fails with its output when it does not exit 0. */
  async ok(args: string[], opts: { env?: Record<string, string> } = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`switchyard ${args.join(" ")} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  }

  async json<T>(args: string[]): Promise<T> {
    return JSON.parse(await this.ok([...args, "-o", "json"])) as T;
  }

  async states(dagId: string, runId: string): Promise<TiState[]> {
    return this.json<TiState[]>(["tasks", "states-for-dag-run", dagId, runId]);
  }

  /** db init + trigger + scheduler --exit-when-idle: one run, start to finish. */
  async runDag(dagId: string, runId = "r1", opts: { conf?: string } = {}): Promise<{ states: Map<string, TiState>; runState: string; scheduler: CliResult }> {
    if (!this.initialised && !fs.existsSync(path.join(this.dir, "switchyard.db"))) await this.ok(["db", "init"]);
    await this.ok(["dags", "trigger", dagId, "--run-id", runId, ...(opts.conf ? ["--conf", opts.conf] : [])]);
    const scheduler = await this.runSchedulersUntilIdle();
    const states = new Map((await this.states(dagId, runId)).map((s) => [s.taskId, s]));
    const runState = (await this.ok(["dags", "state", dagId, runId])).trim();
    return { states, runState, scheduler };
  }

  /**
   * Runs `scheduler --exit-when-idle` until no run is active: one scheduler, or as many as
   * SWITCHYARD_TEST_SCHEDULERS says, side by side on the same database (active-active).
   * Fails with their output if any exits non-zero; returns the first one's result.
   */
  async runSchedulersUntilIdle(): Promise<CliResult> {
    return (await this.runEverySchedulerUntilIdle())[0]!;
  }

  /** runSchedulersUntilIdle, returning every scheduler's result (to check what all of them logged). */
  async runEverySchedulerUntilIdle(): Promise<CliResult[]> {
    const n = Math.max(1, Number(process.env.SWITCHYARD_TEST_SCHEDULERS ?? "1"));
    const results = await Promise.all(Array.from({ length: n }, () => this.run(["scheduler", "--exit-when-idle"])));
    for (const r of results) if (r.code !== 0) throw new Error(`scheduler exited ${r.code}: ${r.stderr}`);
    return results;
  }

  /**
   * Whether anything of the metadata database exists: the SQLite file, or this home's PostgreSQL
   * schema. What "nothing was written" checks after a refused command.
   */
  databaseExists(): boolean {
    if (this.pgSchema === null) return fs.existsSync(path.join(this.dir, "switchyard.db"));
    const r = pgSync(`select 1 from pg_namespace where nspname = '${this.pgSchema}'`);
    if (!r.ok) throw new Error(`cannot check for schema ${this.pgSchema}: ${r.error}`);
    return r.rows.length > 0;
  }

  /**
   * Runs SQL directly against this home's metadata database (its SQLite file, or its PostgreSQL
   * schema) and returns the rows of the last statement: for checking what a command wrote, or
   * setting up a state no command makes. Write SQL both dialects accept.
   */
  query<T = Record<string, unknown>>(statements: string): T[] {
    if (this.pgSchema !== null) {
      const r = pgSync(`set search_path to ${this.pgSchema}; ${statements}`);
      if (!r.ok) throw new Error(`${statements}: ${r.error}`);
      return r.rows as T[];
    }
    const file = path.join(this.dir, "switchyard.db");
    if (!fs.existsSync(file)) throw new Error(`${file} does not exist`);
    const db = new BetterSqlite3(file);
    try {
      db.pragma("busy_timeout = 10000");
      const parts = statements.split(";").map((p) => p.trim()).filter(Boolean);
      let rows: unknown[] = [];
      for (const part of parts) {
        const stmt = db.prepare(part);
        rows = stmt.reader ? stmt.all() : (stmt.run(), []);
      }
      return rows as T[];
    } finally {
      db.close();
    }
  }

  /** The names of the tables in this home's database (empty when it does not exist). */
  tables(): string[] {
    if (!this.databaseExists()) return [];
    const rows =
      this.pgSchema !== null
        ? this.query<{ name: string }>(`select tablename as name from pg_tables where schemaname = '${this.pgSchema}' order by 1`)
        : this.query<{ name: string }>(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by 1`);
    return rows.map((r) => r.name);
  }

  cleanup(): void {
    for (const c of this.children) c.kill("SIGKILL");
    fs.rmSync(this.dir, { recursive: true, force: true });
    if (this.pgSchema !== null) {
      const r = pgSync(`drop schema if exists ${this.pgSchema} cascade`);
      if (!r.ok) throw new Error(`cannot drop test schema ${this.pgSchema}: ${r.error}`);
    }
  }
}

export interface TiState {
  taskId: string;
  mapIndex: number;
  state: string;
  executor: string;
  queue: string;
  pool: string;
  poolSlots: number;
  priorityWeight: number;
  tryNumber: number;
  maxTries: number;
  startDate: string | null;
  endDate: string | null;
  duration: number | null;
  hostname: string | null;
  worker: string | null;
  pid: number | null;
  pendingReason: string | null;
}

/** Polls `check` until it returns a value, or fails after `timeoutMs` with `what`. For conditions no event announces (another process's database). */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 20;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 250);
  }
}

/**
 * Tasks append "start <name> <ms>" and "end <name> <ms>" to a marker file; this reads back
 * intervals so tests can measure real concurrency, as a user would from the tasks' own output.
 */
export function markerCommand(file: string, name: string, seconds: number): string {
  return `echo "start ${name} $(date +%s%3N)" >> ${file}; sleep ${seconds}; echo "end ${name} $(date +%s%3N)" >> ${file}`;
}

export interface Interval {
  name: string;
  start: number;
  end: number;
}

export function readIntervals(file: string): Interval[] {
  const starts = new Map<string, number>();
  const out: Interval[] = [];
  for (const line of fs.readFileSync(file, "utf8").trim().split("\n")) {
    const [kind, name, ms] = line.split(" ");
    if (kind === "start") starts.set(name!, Number(ms));
    else out.push({ name: name!, start: starts.get(name!)!, end: Number(ms) });
  }
  return out;
}

/** The most intervals (optionally weighted) open at once. */
export function maxOverlap(intervals: Interval[], weight: (i: Interval) => number = () => 1): number {
  const points = intervals.flatMap((i) => [
    { t: i.start, d: weight(i) },
    { t: i.end, d: -weight(i) },
  ]);
  points.sort((a, b) => a.t - b.t || a.d - b.d); // ends before starts at the same ms
  let cur = 0;
  let max = 0;
  for (const p of points) {
    cur += p.d;
    max = Math.max(max, cur);
  }
  return max;
}
