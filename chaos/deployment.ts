import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { DatabaseTarget } from "./probe.js";

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Timers a fault pool sets (restarts, SIGCONTs), all cancelled at once when the cycle stops it. */
export class PendingTimers {
  readonly #timers = new Set<NodeJS.Timeout>();

  later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }

  cancelAll(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}

/**
 * Waits up to `graceMs` for each process (already asked to stop) to exit, SIGKILLs those still up
 * and waits for them. Returns the ones that had to be killed.
 */
export async function killAfterGrace<P extends { readonly child: ChildProcess; readonly exited: Promise<unknown> }>(live: readonly P[], graceMs: number): Promise<P[]> {
  const hung: P[] = [];
  await Promise.all(
    live.map(async (p) => {
      const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), graceMs));
      if ((await Promise.race([p.exited, timer])) === "timeout") {
        hung.push(p);
        p.child.kill("SIGKILL");
        await p.exited;
      }
    }),
  );
  return hung;
}

/** Every scheduler the suite started and has not seen exit: what an interrupted suite must kill. */
export const liveSchedulers = new Set<ChildProcess>();

/** One `switchyard scheduler` process of a cycle, its output going to <home>/scheduler-<n>.log. */
/** How soon after it is continued a paused scheduler logs that its lease was lost (its lease timer runs at most every second). */
const PAUSE_NOTICE_MS = 3_000;

export class SchedulerProcess {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Set when the suite killed it (SIGKILL) or asked it to stop (SIGTERM): an exit is then expected. */
  endedByUs: "killed" | "stopped" | null = null;
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  /** Epoch ms of the suite's SIGKILL. */
  killedAt: number | null = null;
  /** Epoch ms the suite saw it exit. */
  exitedAt: number | null = null;
  /** Epoch ms the suite first saw its "scheduler job N ended" line (it gave up) while it ran. */
  endLoggedAt: number | null = null;
  /** When the suite stopped it (SIGSTOP) and continued it (SIGCONT; null: not yet). */
  readonly pauses: Array<{ from: number; to: number | null }> = [];

  constructor(
    readonly n: number,
    readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    liveSchedulers.add(child);
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        liveSchedulers.delete(child);
        this.exit = { code, signal };
        this.exitedAt = Date.now();
        resolve({ code, signal });
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.exit === null;
  }

  kill(): void {
    this.endedByUs = "killed";
    this.child.kill("SIGKILL");
  }

  /** Whether its log says its job ended (`scheduler job N ended (failed)`): it gave up. */
  loggedEnd(): boolean {
    try {
      return /scheduler job \d+ ended/.test(fs.readFileSync(this.logFile, "utf8"));
    } catch {
      return false;
    }
  }

  /** SIGSTOP: frozen, not dead (its runners stop their tries once its lease runs out). */
  pause(): void {
    this.child.kill("SIGSTOP");
    this.pauses.push({ from: Date.now(), to: null });
  }

  resume(): void {
    const last = this.pauses.at(-1);
    if (last === undefined || last.to !== null) return;
    this.child.kill("SIGCONT");
    last.to = Date.now();
  }

  /**
   * The scheduler jobs this process ran, from its log: the one it started as, then one per
   * "rejoined as scheduler job N" (after its lease was lost). `gaveUpAt` is when the process
   * stopped acting as that job (its lease lost, or it rejoined under another id); null for the
   * last one, which ends with the process. A lease found lost on waking from a pause was given up
   * when the pause began: the process did nothing after that, and logs it only once continued.
   */
  jobs(): Array<{ id: number; startedAt: number; gaveUpAt: number | null }> {
    let text: string;
    try {
      text = fs.readFileSync(this.logFile, "utf8");
    } catch {
      return [];
    }
    const jobs: Array<{ id: number; startedAt: number; gaveUpAt: number | null }> = [];
    for (const line of text.split("\n")) {
      const at = Date.parse(line.slice(0, 24));
      const started = /scheduler job (\d+) started/.exec(line) ?? /rejoined as scheduler job (\d+)/.exec(line);
      const current = jobs.at(-1);
      if (current && current.gaveUpAt === null && Number.isFinite(at) && (/lease lost|declared dead/.test(line) || started)) current.gaveUpAt = at;
      if (started) jobs.push({ id: Number(started[1]), startedAt: at, gaveUpAt: null });
    }
    for (const job of jobs) {
      const pause = this.pauses.find((p) => job.gaveUpAt !== null && p.from <= job.gaveUpAt && job.gaveUpAt <= (p.to ?? Infinity) + PAUSE_NOTICE_MS);
      if (pause) job.gaveUpAt = pause.from;
    }
    return jobs;
  }

  stop(): void {
    this.endedByUs ??= "stopped";
    this.child.kill("SIGTERM");
  }
}

/**
 * A throwaway $SWITCHYARD_HOME (switchyard.toml, the DAG file, the task markers) and its database:
 * a fresh PostgreSQL schema, or a SQLite file in the home.
 */
export class Deployment {
  readonly marksDir: string;
  readonly eventsFile: string;
  private schedulerCount = 0;

  constructor(
    readonly home: string,
    readonly cliPath: string,
    readonly db: DatabaseTarget,
  ) {
    this.marksDir = path.join(home, "marks");
    this.eventsFile = path.join(this.marksDir, "events");
  }

  create(toml: string, dagFile: string, dagSource: string): void {
    fs.mkdirSync(path.join(this.home, "dags"), { recursive: true });
    fs.mkdirSync(path.join(this.marksDir, "locks"), { recursive: true });
    fs.writeFileSync(this.eventsFile, "");
    fs.writeFileSync(path.join(this.home, "switchyard.toml"), toml);
    fs.writeFileSync(path.join(this.home, "dags", dagFile), dagSource);
  }

  env(): NodeJS.ProcessEnv {
    const database =
      this.db.kind === "postgres"
        ? { SWITCHYARD__DATABASE__URL: this.db.url, SWITCHYARD__DATABASE__SCHEMA: this.db.schema }
        : { SWITCHYARD__DATABASE__URL: `sqlite:///${this.db.file}` };
    const env: NodeJS.ProcessEnv = { ...process.env, SWITCHYARD_HOME: this.home, ...database };
    // The suite runs under tsx; the CLI under test is the built one, as a user runs it.
    delete env.NODE_OPTIONS;
    return env;
  }

  /** Runs the CLI; with `attempts` > 1, runs it again (after a pause) while it exits non-zero, e.g. during a database restart. */
  async cli(args: readonly string[], opts: { attempts?: number; pauseMs?: number } = {}): Promise<CliResult> {
    const attempts = opts.attempts ?? 1;
    let last: CliResult = { code: null, stdout: "", stderr: "" };
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await sleep(opts.pauseMs ?? 1000);
      last = await this.cliOnce(args);
      if (last.code === 0) return last;
    }
    return last;
  }

  /** Runs the CLI and parses its JSON output; throws with its stderr when it keeps failing. */
  async json<T>(args: readonly string[], attempts = 10): Promise<T> {
    const r = await this.cli([...args, "-o", "json"], { attempts });
    if (r.code !== 0) throw new Error(`switchyard ${args.join(" ")} exited ${r.code}: ${r.stderr.trim()}`);
    return JSON.parse(r.stdout) as T;
  }

  startScheduler(): SchedulerProcess {
    const n = ++this.schedulerCount;
    const logFile = path.join(this.home, `scheduler-${n}.log`);
    const fd = fs.openSync(logFile, "a");
    const child = spawn(process.execPath, [this.cliPath, "scheduler"], { cwd: this.home, env: this.env(), stdio: ["ignore", fd, fd] });
    fs.closeSync(fd);
    return new SchedulerProcess(n, child, logFile);
  }

  removeHome(): void {
    fs.rmSync(this.home, { recursive: true, force: true });
  }

  private cliOnce(args: readonly string[]): Promise<CliResult> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [this.cliPath, ...args], { cwd: this.home, env: this.env(), stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.once("error", (err) => resolve({ code: null, stdout, stderr: stderr + String(err) }));
      child.once("close", (code) => resolve({ code, stdout, stderr }));
    });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
