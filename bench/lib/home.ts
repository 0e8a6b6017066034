import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runCli } from "./cli.js";
import { ROOT } from "./paths.js";

/** One `[executors.<name>]` table. */
export type ExecutorSection = Readonly<Record<string, string | number>>;

export interface HomeConfig {
  /** `[core] executor`. @defaultValue "LocalExecutor" */
  readonly executor?: string;
  /** `[core] parallelism`. @defaultValue 32 */
  readonly parallelism?: number;
  /** `[executors.<name>]` tables by name. */
  readonly executors?: Readonly<Record<string, ExecutorSection>>;
  /** The metadata database. @defaultValue benchTarget().db */
  readonly db?: "sqlite" | "postgres";
  /** More settings by section and TOML key (`{ core: { dagbag_import_timeout: 600 } }`); `core` joins the `[core]` table. @defaultValue none */
  readonly settings?: Readonly<Record<string, ExecutorSection>>;
}

/** The PostgreSQL server the `--db postgres` scenarios use: each home gets a schema of its own there. */
export const PG_BENCH_URL = process.env.SWITCHYARD_BENCH_PG_URL || process.env.SWITCHYARD_TEST_PG_URL || "postgresql://postgres@127.0.0.1:5432/test";

/** The database and number of schedulers scenarios run with unless they say otherwise (`--db`, `--schedulers`). */
const target: { db: "sqlite" | "postgres"; schedulers: number } = { db: "sqlite", schedulers: 1 };

export function benchTarget(): Readonly<typeof target> {
  return target;
}

export function setBenchTarget(next: Partial<typeof target>): void {
  Object.assign(target, next);
}

/** A throwaway $SWITCHYARD_HOME with its own database (a SQLite file, or a PostgreSQL schema), config and DAG files. */
export interface BenchHome {
  readonly dir: string;
  readonly dagsDir: string;
  readonly dbFile: string;
  /** With PostgreSQL: the schema this home's tables live in, on PG_BENCH_URL. */
  readonly pgSchema: string | null;
  readonly config: Required<HomeConfig>;
  /** The environment CLI processes run with. */
  readonly env: NodeJS.ProcessEnv;
  cleanup(): void;
}

/** Keep temp homes for inspection: SWITCHYARD_BENCH_KEEP=1. */
const KEEP = process.env.SWITCHYARD_BENCH_KEEP === "1";

function toml(config: Required<Omit<HomeConfig, "db">>, pgSchema: string | null): string {
  const lines = ["[core]", `executor = ${JSON.stringify(config.executor)}`, `parallelism = ${config.parallelism}`];
  for (const [key, value] of Object.entries(config.settings["core"] ?? {})) lines.push(`${key} = ${JSON.stringify(value)}`);
  lines.push("");
  for (const [section, values] of Object.entries(config.settings)) {
    if (section === "core") continue;
    lines.push(`[${section}]`, ...Object.entries(values).map(([key, value]) => `${key} = ${JSON.stringify(value)}`), "");
  }
  if (pgSchema !== null) lines.push("[database]", `url = ${JSON.stringify(PG_BENCH_URL)}`, `schema = ${JSON.stringify(pgSchema)}`, "");
  for (const [name, section] of Object.entries(config.executors)) {
    lines.push(`[executors.${name.includes(".") ? JSON.stringify(name) : name}]`);
    for (const [key, value] of Object.entries(section)) lines.push(`${key} = ${JSON.stringify(value)}`);
    lines.push("");
  }
  return lines.join("\n");
}

/**
 * Delete a home without waiting: after a 100k-task run it holds 100k log files, and removing them
 * takes longer than some scenarios. A detached `rm -rf` outlives the benchmark if need be.
 */
function removeInBackground(dir: string): void {
  try {
    const rm = spawn("rm", ["-rf", dir], { detached: true, stdio: "ignore" });
    rm.on("error", () => fs.rmSync(dir, { recursive: true, force: true }));
    rm.unref();
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Drops a bench home's PostgreSQL schema (100k rows take a moment) without holding up the next scenario. */
function dropSchemaInBackground(schema: string): void {
  const script = `const pg = require("pg"); const c = new pg.Client({ connectionString: process.env.URL });
    c.connect().then(() => c.query('drop schema if exists "' + process.env.SCHEMA + '" cascade')).catch(() => {}).finally(() => c.end().catch(() => {}));`;
  const child = spawn(process.execPath, ["-e", script], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", URL: PG_BENCH_URL, SCHEMA: schema }, detached: true, stdio: "ignore" });
  child.on("error", () => undefined);
  child.unref();
}

/** `[core] …; [executors.X] …` in one line, for the printed output. */
export function describeConfig(config: Required<Omit<HomeConfig, "db" | "settings">> & Pick<HomeConfig, "db" | "settings">): string {
  const sections = Object.entries(config.executors).map(
    ([name, s]) => `[executors.${name}] ${Object.entries(s).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")}`,
  );
  const database = config.db === "postgres" ? [`[database] url=${PG_BENCH_URL} (a schema per home)`] : [];
  const settings = config.settings ?? {};
  const core = Object.entries(settings["core"] ?? {}).map(([k, v]) => `, ${k}=${JSON.stringify(v)}`).join("");
  const others = Object.entries(settings)
    .filter(([section]) => section !== "core")
    .map(([section, s]) => `[${section}] ${Object.entries(s).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")}`);
  return [`[core] executor=${JSON.stringify(config.executor)}, parallelism=${config.parallelism}${core}`, ...others, ...sections, ...database].join("; ");
}

/** Create a home with `dags` (file name → source), write switchyard.toml and run `db init`. */
export async function createHome(label: string, config: HomeConfig, dags: Readonly<Record<string, string>>): Promise<BenchHome> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `switchyard-bench-${label}-`));
  const full: Required<HomeConfig> = {
    executor: config.executor ?? "LocalExecutor",
    parallelism: config.parallelism ?? 32,
    executors: config.executors ?? {},
    db: config.db ?? target.db,
    settings: config.settings ?? {},
  };
  // As test/support/home.ts does: one schema per home, dropped by cleanup().
  const pgSchema = full.db === "postgres" ? `sy_bench_${process.pid}_${Date.now().toString(36)}_${label.replace(/\W+/g, "_").toLowerCase()}`.slice(0, 63) : null;
  const dagsDir = path.join(dir, "dags");
  fs.mkdirSync(dagsDir);
  fs.writeFileSync(path.join(dir, "switchyard.toml"), toml(full, pgSchema));
  for (const [name, source] of Object.entries(dags)) fs.writeFileSync(path.join(dagsDir, name), source);
  const env: NodeJS.ProcessEnv = { ...process.env, SWITCHYARD_HOME: dir };
  // The benchmark's own settings must not be overridden from the caller's environment.
  for (const key of Object.keys(env)) if (key.startsWith("SWITCHYARD__")) delete env[key];
  const home: BenchHome = {
    dir,
    dagsDir,
    dbFile: path.join(dir, "switchyard.db"),
    pgSchema,
    config: full,
    env,
    cleanup: () => {
      if (KEEP) return;
      removeInBackground(dir);
      if (pgSchema !== null) dropSchemaInBackground(pgSchema);
    },
  };
  await runCli(home, ["db", "init"]);
  return home;
}

/**
 * `[executors.<LocalExecutor>]` settings every fanout home adds: `runner_heartbeat_timeout` from
 * SWITCHYARD_BENCH_RUNNER_HEARTBEAT_TIMEOUT (seconds) when set. On a machine loaded far beyond its
 * cores (load average 40 on 2), a fresh runner importing a DAG file stays silent longer than the
 * default 5 s and its try fails as "blocked the event loop"; the setting keeps such a run usable.
 */
export function benchRunnerOptions(): Readonly<Record<string, number>> {
  const raw = process.env.SWITCHYARD_BENCH_RUNNER_HEARTBEAT_TIMEOUT;
  if (raw === undefined || raw === "") return {};
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1) throw new Error(`SWITCHYARD_BENCH_RUNNER_HEARTBEAT_TIMEOUT takes whole seconds >= 1, not ${JSON.stringify(raw)}`);
  return { runner_heartbeat_timeout: seconds };
}
