import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CLI = path.join(ROOT, "dist", "cli", "main.js");

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
  private readonly children = new Set<ChildProcess>();

  constructor(opts: { toml?: string; dags?: Record<string, string> } = {}) {
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

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, SWITCHYARD_HOME: this.dir, ...extra };
    // Tests run under tsx; the CLI under test is the built one, as a user runs it.
    delete env.NODE_OPTIONS;
    return env;
  }

  /** Starts the CLI; resolves when it exits. */
  spawn(args: string[], opts: { env?: Record<string, string> } = {}): { child: ChildProcess; done: Promise<CliResult> } {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: this.dir, env: this.env(opts.env), stdio: ["ignore", "pipe", "pipe"] });
    this.children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<CliResult>((resolve) => {
      child.on("close", (code, signal) => {
        this.children.delete(child);
        resolve({ code, signal, stdout, stderr });
      });
    });
    return { child, done };
  }

  run(args: string[], opts: { env?: Record<string, string> } = {}): Promise<CliResult> {
    return this.spawn(args, opts).done;
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
    if (!fs.existsSync(path.join(this.dir, "switchyard.db"))) await this.ok(["db", "init"]);
    await this.ok(["dags", "trigger", dagId, "--run-id", runId, ...(opts.conf ? ["--conf", opts.conf] : [])]);
    const scheduler = await this.run(["scheduler", "--exit-when-idle"]);
    if (scheduler.code !== 0) throw new Error(`scheduler exited ${scheduler.code}: ${scheduler.stderr}`);
    const states = new Map((await this.states(dagId, runId)).map((s) => [s.taskId, s]));
    const runState = (await this.ok(["dags", "state", dagId, runId])).trim();
    return { states, runState, scheduler };
  }

  cleanup(): void {
    for (const c of this.children) c.kill("SIGKILL");
    fs.rmSync(this.dir, { recursive: true, force: true });
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
