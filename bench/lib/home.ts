import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runCli } from "./cli.js";

/** One `[executors.<name>]` table. */
export type ExecutorSection = Readonly<Record<string, string | number>>;

export interface HomeConfig {
  /** `[core] executor`. @defaultValue "LocalExecutor" */
  readonly executor?: string;
  /** `[core] parallelism`. @defaultValue 32 */
  readonly parallelism?: number;
  /** `[executors.<name>]` tables by name. */
  readonly executors?: Readonly<Record<string, ExecutorSection>>;
}

/** A throwaway $SWITCHYARD_HOME with its own SQLite database, config and DAG files. */
export interface BenchHome {
  readonly dir: string;
  readonly dagsDir: string;
  readonly dbFile: string;
  readonly config: Required<HomeConfig>;
  /** The environment CLI processes run with. */
  readonly env: NodeJS.ProcessEnv;
  cleanup(): void;
}

/** Keep temp homes for inspection: SWITCHYARD_BENCH_KEEP=1. */
const KEEP = process.env.SWITCHYARD_BENCH_KEEP === "1";

function toml(config: Required<HomeConfig>): string {
  const lines = ["[core]", `executor = ${JSON.stringify(config.executor)}`, `parallelism = ${config.parallelism}`, ""];
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

/** `[core] …; [executors.X] …` in one line, for the printed output. */
export function describeConfig(config: Required<HomeConfig>): string {
  const sections = Object.entries(config.executors).map(
    ([name, s]) => `[executors.${name}] ${Object.entries(s).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")}`,
  );
  return [`[core] executor=${JSON.stringify(config.executor)}, parallelism=${config.parallelism}`, ...sections].join("; ");
}

/** Create a home with `dags` (file name → source), write switchyard.toml and run `db init`. */
export async function createHome(label: string, config: HomeConfig, dags: Readonly<Record<string, string>>): Promise<BenchHome> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `switchyard-bench-${label}-`));
  const full: Required<HomeConfig> = {
    executor: config.executor ?? "LocalExecutor",
    parallelism: config.parallelism ?? 32,
    executors: config.executors ?? {},
  };
  const dagsDir = path.join(dir, "dags");
  fs.mkdirSync(dagsDir);
  fs.writeFileSync(path.join(dir, "switchyard.toml"), toml(full));
  for (const [name, source] of Object.entries(dags)) fs.writeFileSync(path.join(dagsDir, name), source);
  const env: NodeJS.ProcessEnv = { ...process.env, SWITCHYARD_HOME: dir };
  // The benchmark's own settings must not be overridden from the caller's environment.
  for (const key of Object.keys(env)) if (key.startsWith("SWITCHYARD__")) delete env[key];
  const home: BenchHome = {
    dir,
    dagsDir,
    dbFile: path.join(dir, "switchyard.db"),
    config: full,
    env,
    cleanup: () => {
      if (!KEEP) removeInBackground(dir);
    },
  };
  await runCli(home, ["db", "init"]);
  return home;
}
