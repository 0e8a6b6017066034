import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Deployment, SchedulerProcess } from "./deployment.js";
import { killAfterGrace, PendingTimers, sleep } from "./deployment.js";
import type { TaskSpec } from "./dag.js";
import { ALWAYS_FAILING, TaskMode } from "./dag.js";
import type { LiveTi } from "./probe.js";
import type { Rng } from "./rng.js";

export const FaultKind = {
  SCHEDULER_KILL: "scheduler_kill",
  /** A scheduler stopped (SIGSTOP) for a while, often longer than its lease, then continued (issue 9 §1/§6). */
  SCHEDULER_PAUSE: "scheduler_pause",
  TASK_KILL: "task_kill",
  PG_RESTART: "pg_restart",
  /** This deployment's PostgreSQL sessions terminated and its logins refused for a while (see PgAdmin). */
  DB_OUTAGE: "db_outage",
  /** A slow and an endless DAG file dropped into the dags folder while the run goes on (issue 9 §6). */
  DAG_FILES: "dag_files",
  /** A fleet worker SIGKILLed mid-run; a new one starts a while later (issue 10 §3). */
  WORKER_KILL: "worker_kill",
  /** Every Redis key of the deployment's BullMQ prefix deleted: Redis "restarted empty" (issue 10 §3). */
  REDIS_FLUSH: "redis_flush",
  /** A running pod evicted by the kubelet: processes SIGKILLed, phase Failed, reason Evicted (issue 11). */
  POD_EVICT: "pod_evict",
  /** A running pod preempted: DisruptionTarget, then a graceful deletion (issue 11). */
  POD_PREEMPT: "pod_preempt",
  /** Every pod watch cut mid-stream, as a broken connection (issue 11). */
  WATCH_DROP: "watch_drop",
  /** The watch history compacted: open watches end with 410 Expired (issue 11). */
  WATCH_EXPIRE: "watch_expire",
  /** The next few pod creates answered 429, 500 or 503 (issue 11). */
  KUBE_API_BURST: "kube_api_burst",
} as const;
export type FaultKind = (typeof FaultKind)[keyof typeof FaultKind];
export const FAULT_KINDS: readonly FaultKind[] = Object.values(FaultKind);

export interface Fault {
  readonly kind: FaultKind;
  /** Milliseconds since the run was triggered. */
  readonly at: number;
  /** Wall-clock time (ISO-8601), to line up with the audit log and the markers (epoch ms). */
  readonly time: string;
  readonly detail: string;
  /** The scheduler a scheduler fault hit (its # in the fleet). */
  readonly scheduler?: number;
  /** How long a scheduler pause lasted. */
  readonly durationMs?: number;
}

/** A pod the suite evicted or preempted: its try must be reset, not counted against retries. */
export interface PodDisruption {
  readonly taskId: string;
  readonly tryNumber: number;
  readonly pod: string;
  /** Epoch ms. */
  readonly at: number;
}

/** A try the suite killed with SIGKILL: its failure is expected and counts against retries. */
export interface TaskKill {
  readonly taskId: string;
  readonly tryNumber: number;
  readonly pid: number;
  readonly at: number;
}

/**
 * The schedulers of a cycle. Keeps `size` running: one killed by the suite comes back after a
 * random pause; one that exits on its own is a crash, recorded, and replaced after a second.
 */
export class SchedulerFleet {
  readonly all: SchedulerProcess[] = [];
  readonly crashes: SchedulerProcess[] = [];
  /** Schedulers that logged their job's end but whose process did not exit; the fleet killed and replaced them. */
  readonly hangs: SchedulerProcess[] = [];
  private closing = false;
  private readonly timers = new PendingTimers();
  /** Schedulers stopped by pauseOne() and not continued yet. */
  private readonly paused = new Set<SchedulerProcess>();
  private watchdog: NodeJS.Timeout | null = null;

  constructor(
    private readonly deployment: Deployment,
    private readonly size: number,
    /** How long a scheduler may stay up after logging its end before it counts as hung. */
    private readonly hangAfterMs = 5000,
  ) {}

  start(): void {
    for (let i = 0; i < this.size; i++) this.spawn();
    this.watchdog = setInterval(() => this.checkHangs(), 500);
  }

  /**
   * A scheduler whose job ended (it logged "scheduler job N ended (failed)" and its error) must
   * exit, so its supervisor starts another. One still up `hangAfterMs` later is hung: recorded,
   * killed, replaced.
   */
  private checkHangs(): void {
    const now = Date.now();
    for (const s of this.live()) {
      if (s.endLoggedAt === null) {
        if (s.loggedEnd()) s.endLoggedAt = now;
      } else if (now - s.endLoggedAt >= this.hangAfterMs && !this.hangs.includes(s)) {
        this.hangs.push(s);
        s.endedByUs = "killed";
        s.child.kill("SIGKILL");
        this.spawn();
      }
    }
  }

  live(): SchedulerProcess[] {
    return this.all.filter((s) => s.alive && s.endedByUs === null);
  }

  /** SIGKILL one live scheduler; another starts `restartAfterMs` later. */
  killOne(rng: Rng, restartAfterMs: number): SchedulerProcess | null {
    const live = this.live();
    if (live.length === 0) return null;
    const victim = rng.pick(live);
    victim.kill();
    victim.killedAt = Date.now();
    this.timers.later(restartAfterMs, () => this.spawn());
    return victim;
  }

  /** SIGSTOP one live scheduler and SIGCONT it `pauseMs` later: frozen, not dead. */
  pauseOne(rng: Rng, pauseMs: number): SchedulerProcess | null {
    const live = this.live().filter((s) => !this.paused.has(s));
    if (live.length === 0) return null;
    const victim = rng.pick(live);
    victim.pause();
    this.paused.add(victim);
    this.timers.later(pauseMs, () => this.resume(victim));
    return victim;
  }

  private resume(s: SchedulerProcess): void {
    if (this.paused.delete(s)) s.resume();
  }

  /** SIGTERM every scheduler (graceful); SIGKILL those still up after `graceMs`. Returns the ones that had to be killed. */
  async stopAll(graceMs: number): Promise<SchedulerProcess[]> {
    this.closing = true;
    if (this.watchdog) clearInterval(this.watchdog);
    this.timers.cancelAll();
    for (const s of [...this.paused]) this.resume(s); // their SIGCONT timers are gone: a stopped process would not hear the SIGTERM
    const live = this.all.filter((s) => s.alive);
    for (const s of live) s.stop();
    return killAfterGrace(live, graceMs);
  }

  private spawn(): void {
    if (this.closing) return;
    const s = this.deployment.startScheduler();
    this.all.push(s);
    void s.exited.then(() => {
      if (s.endedByUs !== null || this.closing) return;
      this.crashes.push(s);
      this.timers.later(1000, () => this.spawn());
    });
  }

}

/** How many of a task's tries the suite may kill and still expect it to succeed. */
export function killBudget(spec: TaskSpec): number {
  if (ALWAYS_FAILING.includes(spec.mode)) return Number.POSITIVE_INFINITY;
  return spec.retries - (spec.mode === TaskMode.FLAKY ? 1 : 0);
}

/** The environment of a live process, or null (gone, or not readable). */
function processEnv(pid: number): Map<string, string> | null {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/environ`, "utf8");
    return new Map(raw.split("\0").filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
  } catch {
    return null;
  }
}

/** Tries that wrote `start` and no `end` yet: running their work right now. */
export function triesInProgress(eventsFile: string): Set<string> {
  const open = new Set<string>();
  for (const line of fs.readFileSync(eventsFile, "utf8").split("\n")) {
    const [kind, task, tryNumber] = line.split(" ");
    if (kind === "start") open.add(`${task}#${tryNumber}`);
    else if (kind === "end") open.delete(`${task}#${tryNumber}`);
  }
  return open;
}

/** What a task kill hits: the try's bash process (the TI's pid), or its whole process group. */
export const TaskKillTarget = { PID: "pid", GROUP: "group" } as const;
export type TaskKillTarget = (typeof TaskKillTarget)[keyof typeof TaskKillTarget];

/**
 * SIGKILL the bash process of one running try: a running TI (from the database) whose try is
 * mid-work (from the markers), whose task may lose one more try, and whose pid really is that
 * try of this deployment (checked in /proc/<pid>/environ, so a reused pid is never hit: a
 * fleet try's processes carry its worker's home, one of `workerHomes`).
 * With `group`, its whole process group (the bash is the group's leader) instead.
 */
export function killOneTask(
  deployment: Deployment,
  tis: readonly LiveTi[],
  specs: ReadonlyMap<string, TaskSpec>,
  kills: readonly TaskKill[],
  rng: Rng,
  at: number,
  target: TaskKillTarget,
  workerHomes: readonly string[] = [],
): TaskKill | null {
  const inProgress = triesInProgress(deployment.eventsFile);
  const killed = new Map<string, number>();
  for (const k of kills) killed.set(k.taskId, (killed.get(k.taskId) ?? 0) + 1);
  const candidates = tis.filter((ti) => {
    const spec = specs.get(ti.taskId);
    return (
      ti.state === "running" &&
      ti.pid !== null &&
      spec !== undefined &&
      (killed.get(ti.taskId) ?? 0) < killBudget(spec) &&
      inProgress.has(`${ti.taskId}#${ti.tryNumber}`)
    );
  });
  while (candidates.length > 0) {
    const ti = candidates.splice(Math.floor(rng.next() * candidates.length), 1)[0]!;
    const env = processEnv(ti.pid!);
    if (
      env === null ||
      (env.get("SWITCHYARD_HOME") !== deployment.home && !workerHomes.includes(env.get("SWITCHYARD_HOME") ?? "")) ||
      env.get("SWITCHYARD_TASK_ID") !== ti.taskId ||
      env.get("SWITCHYARD_TRY_NUMBER") !== String(ti.tryNumber)
    ) {
      continue;
    }
    try {
      process.kill(target === TaskKillTarget.GROUP ? -ti.pid! : ti.pid!, "SIGKILL");
    } catch {
      continue;
    }
    return { taskId: ti.taskId, tryNumber: ti.tryNumber, pid: ti.pid!, at };
  }
  return null;
}

/** The DAG files the DAG_FILES fault drops: parsing them must delay nothing but their own DAGs. */
export const ENDLESS_DAG_FILE = "endless_parse.ts";
export const SLOW_DAG_FILE = "slow_parse.ts";

/**
 * Drops a DAG file that keeps its parser busy for `slowMs` (longer than the schedulers' lease) and
 * one that never finishes importing into the deployment's dags folder.
 */
export function dropSlowDagFiles(deployment: Deployment, slowMs: number): string {
  const dags = path.join(deployment.home, "dags");
  const dagFile = (dagId: string, loop: string) => `import { dag } from "@switchyard/core";\n${loop}\nconst d = dag("${dagId}");\nd.bash("t", "true");\nexport default d;\n`;
  fs.writeFileSync(path.join(dags, SLOW_DAG_FILE), dagFile("slow_parse", `const until = Date.now() + ${slowMs};\nwhile (Date.now() < until) {}`));
  fs.writeFileSync(path.join(dags, ENDLESS_DAG_FILE), dagFile("endless_parse", "for (;;) {}"));
  return `${SLOW_DAG_FILE} (${slowMs} ms to import) and ${ENDLESS_DAG_FILE} (never finishes) dropped into the dags folder`;
}

/**
 * The local PostgreSQL cluster that serves the suite's URL (found by its port in `pg_lsclusters`),
 * driven through pg_ctlcluster. Point --pg-url at a cluster of its own and restarts touch nobody else.
 */
export class PostgresCluster {
  readonly version: string;
  readonly name: string;
  readonly port: string;

  constructor(url: string) {
    this.port = new URL(url).port || "5432";
    const listing = spawnSync("pg_lsclusters", ["-h"], { encoding: "utf8" });
    if (listing.status !== 0) throw new Error(`pg_lsclusters failed: ${(listing.stderr || String(listing.error)).trim()}`);
    const row = listing.stdout
      .split("\n")
      .map((l) => l.trim().split(/\s+/))
      .find((cols) => cols[2] === this.port);
    if (!row) throw new Error(`no local PostgreSQL cluster listens on port ${this.port} (pg_lsclusters)`);
    this.version = row[0]!;
    this.name = row[1]!;
  }

  /** Stop (fast: connections are cut), stay down `downMs`, start again. */
  async restart(downMs: number): Promise<void> {
    try {
      await this.ctl("stop", "-m", "fast");
      await sleep(downMs);
    } finally {
      await this.ensureRunning();
    }
  }

  async ensureRunning(): Promise<void> {
    if ((await run("pg_isready", ["-q", "-h", "127.0.0.1", "-p", this.port])).code === 0) return;
    const r = await this.ctl("start");
    if (r.code !== 0 && (await run("pg_isready", ["-q", "-h", "127.0.0.1", "-p", this.port])).code !== 0) {
      throw new Error(`could not start PostgreSQL cluster ${this.version}/${this.name}: ${r.output}`);
    }
  }

  private ctl(...args: string[]): Promise<{ code: number | null; output: string }> {
    return run("pg_ctlcluster", ["--skip-systemctl-redirect", this.version, this.name, ...args]);
  }
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.once("error", (err) => resolve({ code: null, output: String(err) }));
    child.once("close", (code) => resolve({ code, output: output.trim() }));
  });
}
