import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { checkCycle, ViolationKind, type AuditRow, type CheckStats, type TiState, type Violation } from "./check.js";
import { buildChaosDag, type DagShape } from "./dag.js";
import { Deployment, sleep } from "./deployment.js";
import { dropSlowDagFiles, FaultKind, killOneTask, PostgresCluster, SchedulerFleet, type Fault, type PodDisruption, type TaskKill, type TaskKillTarget } from "./faults.js";
import { busyWorkers, fleetSection, flushPrefix, WorkerFleet, WORKER_TIMEOUT_S } from "./fleet.js";
import { KubeCluster, KUBE_EXECUTOR, MAX_EVICTION_RETRIES, type PodTry } from "./kube.js";
import { readMarks } from "./marks.js";
import { parseStallViolations } from "./parse-stall.js";
import { PgAdmin } from "./pg-admin.js";
import { Probe, type DatabaseTarget } from "./probe.js";
import { Rng } from "./rng.js";

/** The file whose presence allows PostgreSQL restarts (they cut every session on the server). */
export const PG_RESTARTS_OK_FILE = "/tmp/pg-restarts-ok";

export interface CycleOptions {
  readonly index: number;
  readonly seed: number;
  readonly shape: DagShape;
  readonly db: "postgres" | "sqlite";
  readonly pgUrl: string;
  /** Restart PostgreSQL as a fault (still only while PG_RESTARTS_OK_FILE exists). */
  readonly pgRestarts: boolean;
  /** Cut this deployment off PostgreSQL for a while as a fault (its own role: nobody else is touched). */
  readonly dbOutages: boolean;
  /** A task kill hits the try's bash (its pid) or its whole process group. */
  readonly taskKill: TaskKillTarget;
  readonly schedulers: number;
  /** Per-scheduler [core] parallelism, and the DAG's maxActiveTasks. */
  readonly parallelism: number;
  readonly maxActiveTasks: number;
  /** How long the run may take before its unfinished TIs count as stuck. */
  readonly deadlineMs: number;
  /** Pause between faults, drawn from [min, max]. */
  readonly faultGapMs: readonly [number, number];
  /** At most this many faults per cycle, so the run gets to finish. */
  readonly maxFaults: number;
  /** Keep the home and schema even when the cycle passed. */
  readonly keep: boolean;
  /** Which violations fail the cycle (and so keep its home and schema as evidence). */
  readonly failing: (kind: ViolationKind) => boolean;
  readonly cliPath: string;
  readonly taskScript: string;
}

export interface CycleResult {
  readonly index: number;
  readonly seed: number;
  readonly runState: string | null;
  readonly faults: readonly Fault[];
  readonly violations: readonly Violation[];
  readonly stats: CheckStats;
  readonly wallMs: number;
  readonly runMs: number;
  /** Home, role, db init, schedulers started, run triggered. */
  readonly setupMs: number;
  /** Stopping the schedulers gracefully. */
  readonly stopMs: number;
  /** Reading states and the audit log through the CLI. */
  readonly collectMs: number;
  readonly schedulersStarted: number;
  /** Where the evidence is, when the cycle was kept. */
  readonly home: string | null;
}

const DAG_ID = "chaos";
/** Short, so the endless DAG file of the DAG_FILES fault becomes an import error within the run. */
const DAGBAG_IMPORT_TIMEOUT_S = 6;
/** The slow DAG file of the DAG_FILES fault: longer to import than the schedulers' lease (1.5 s). */
const SLOW_DAG_FILE_MS = 4_000;

/** The running cycle's PostgreSQL role, so an interrupted suite can allow its logins again. */
export const activeAdmin: { current: PgAdmin | null } = { current: null };

function toml(o: CycleOptions, fleetPrefix: string, kubeSection: string): string {
  return `[core]
executor = "LocalExecutor,fleet:BullMQExecutor,${KUBE_EXECUTOR}:KubernetesExecutor"
parallelism = ${o.parallelism}
task_queued_timeout = 20
dagbag_import_timeout = ${DAGBAG_IMPORT_TIMEOUT_S}

[scheduler]
job_heartbeat_sec = 0.5
scheduler_health_check_threshold = 3
task_heartbeat_timeout = 3
zombie_detection_interval = 0.5
orphaned_tasks_check_interval = 0.5
task_queued_timeout_check_interval = 1

${fleetSection(fleetPrefix)}
${kubeSection}`;
}

function pgRestartsAllowed(o: CycleOptions): boolean {
  return o.db === "postgres" && o.pgRestarts && fs.existsSync(PG_RESTARTS_OK_FILE);
}

/**
 * One cycle: a fresh deployment, `schedulers` schedulers, one run of the chaos DAG with faults
 * injected at random moments until it ends (or the deadline passes), then the checks.
 */
export async function runCycle(o: CycleOptions): Promise<CycleResult> {
  const started = Date.now();
  const rng = new Rng(o.seed);
  const dagRng = rng.fork(1);
  const faultRng = rng.fork(2);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `switchyard-chaos-${o.index}-`));
  const name = `chaos_${process.pid}_${o.index}`;
  const admin = o.db === "postgres" ? new PgAdmin(o.pgUrl, name) : null;
  activeAdmin.current = admin;
  const target: DatabaseTarget = admin
    ? { kind: "postgres", url: admin.url, schema: name, adminUrl: o.pgUrl }
    : { kind: "sqlite", file: path.join(home, "switchyard.db") };
  const deployment = new Deployment(home, o.cliPath, target);
  const dag = buildChaosDag(DAG_ID, o.shape, dagRng, o.taskScript, deployment.marksDir, o.maxActiveTasks);
  // This deployment's own BullMQ keys on the shared Redis: the Redis flush fault deletes only them.
  const fleetPrefix = `switchyard-chaos:${process.pid}:${o.index}`;
  const kube = new KubeCluster(home, o.cliPath);
  deployment.create(toml(o, fleetPrefix, kube.section()), "chaos.ts", dag.source);
  const workers = new WorkerFleet(home, o.cliPath, fleetPrefix, "chaos.ts", dag.source);
  const runId = `chaos_${o.seed}`;
  const probe = new Probe(target);
  const cluster = o.db === "postgres" ? new PostgresCluster(o.pgUrl) : null;
  const fleet = new SchedulerFleet(deployment, o.schedulers);
  const faults: Fault[] = [];
  const kills: TaskKill[] = [];
  const violations: Violation[] = [];
  const redisFlushes: number[] = [];
  const disruptions: PodDisruption[] = [];
  /** API bursts injected, with the count of pod creates when each was, to say in the report whether the creates met them. */
  const bursts: Array<{ fault: Fault; createsBefore: number; times: number }> = [];
  let dropped = false;

  try {
    await cluster?.ensureRunning();
    await admin?.createRole();
    await kube.start("chaos.ts", dag.source);
    const init = await deployment.cli(["db", "init"], { attempts: 5 });
    if (init.code !== 0) throw new Error(`db init failed: ${init.stderr.trim()}`);
    // Trigger first: the CLI and two starting schedulers would parse the DAG file at once.
    const trigger = await deployment.cli(["dags", "trigger", DAG_ID, "--run-id", runId], { attempts: 10 });
    if (trigger.code !== 0) throw new Error(`dags trigger failed: ${trigger.stderr.trim()}`);
    workers.start();
    fleet.start();
    const t0 = Date.now();

    let finished = false;
    const watcher = (async () => {
      while (Date.now() - t0 < o.deadlineMs) {
        const state = await probe.runState(runId);
        if (state === "success" || state === "failed") break;
        await sleep(250);
      }
      finished = true;
    })();
    const injector = (async () => {
      const first: FaultKind[] = [
        ...(faultRng.next() < 0.5 ? [FaultKind.SCHEDULER_KILL, FaultKind.TASK_KILL] : [FaultKind.TASK_KILL, FaultKind.SCHEDULER_KILL]),
        FaultKind.SCHEDULER_PAUSE, // every cycle has one of each scheduler fault
      ];
      // And one of each fleet fault, at a random place among them.
      for (const kind of [FaultKind.WORKER_KILL, FaultKind.REDIS_FLUSH]) first.splice(faultRng.int(0, first.length), 0, kind);
      // And one pod disruption, one watch fault and one API burst.
      const podFaults = [
        faultRng.next() < 0.5 ? FaultKind.POD_EVICT : FaultKind.POD_PREEMPT,
        faultRng.next() < 0.5 ? FaultKind.WATCH_DROP : FaultKind.WATCH_EXPIRE,
        FaultKind.KUBE_API_BURST,
      ];
      for (const kind of podFaults) first.splice(faultRng.int(0, first.length), 0, kind);
      first.unshift(FaultKind.DAG_FILES); // first, so every cycle parses them while its tasks run
      let gap = faultRng.int(1500, 3000);
      while (!finished && faults.length < o.maxFaults) {
        const until = Date.now() + gap;
        while (!finished && Date.now() < until) await sleep(50);
        if (finished) break;
        gap = faultRng.int(o.faultGapMs[0], o.faultGapMs[1]);
        const kind = first.shift() ?? pickKind(faultRng, { pgRestart: pgRestartsAllowed(o), dbOutage: admin !== null && o.dbOutages });
        const at = Date.now() - t0;
        if (kind === FaultKind.DAG_FILES) {
          faults.push({ kind, at, time: new Date().toISOString(), detail: dropSlowDagFiles(deployment, SLOW_DAG_FILE_MS) });
        } else if (kind === FaultKind.SCHEDULER_KILL) {
          const restartMs = faultRng.int(200, 3000);
          const victim = fleet.killOne(faultRng, restartMs);
          if (victim) faults.push({ kind, at, time: new Date().toISOString(), detail: `scheduler #${victim.n} (pid ${victim.pid}) killed; a new one starts in ${restartMs} ms` });
        } else if (kind === FaultKind.WORKER_KILL || kind === FaultKind.REDIS_FLUSH) {
          // Aimed at a busy fleet (a worker holding a try), waiting for one up to a while.
          let busy: string[] = [];
          for (let attempt = 0; attempt < 60 && !finished && busy.length === 0; attempt++) {
            busy = await busyWorkers(fleetPrefix);
            if (busy.length === 0) await sleep(250);
          }
          if (busy.length === 0) continue;
          const when = Date.now() - t0;
          if (kind === FaultKind.WORKER_KILL) {
            // Often past worker_timeout, sometimes within it: the survivor must carry the fleet either way.
            const restartMs = faultRng.int(500, WORKER_TIMEOUT_S * 1500);
            const victim = workers.killOne(faultRng, restartMs, busy);
            if (victim) faults.push({ kind, at: when, time: new Date().toISOString(), detail: `worker ${victim.name} (pid ${victim.child.pid}) killed while it held a try; a new one starts in ${restartMs} ms` });
          } else {
            const fault = { kind, at: when, time: new Date().toISOString(), detail: `every key under ${fleetPrefix} deleted while ${busy.join(", ")} held tries` };
            faults.push(fault);
            redisFlushes.push(Date.now());
            Object.assign(fault, { detail: `${fault.detail} (${await flushPrefix(fleetPrefix)} keys)` });
          }
        } else if (kind === FaultKind.POD_EVICT || kind === FaultKind.POD_PREEMPT) {
          // Aimed at a running pod whose task instance the suite may disrupt once more (max_eviction_retries),
          // waiting for one up to 30 s: pods come one at a time, and between two of them none runs.
          let victims: PodTry[] = [];
          for (let attempt = 0; attempt < 120 && !finished && victims.length === 0; attempt++) {
            victims = kube.runningTries().filter((p) => disruptions.filter((d) => d.taskId === p.taskId).length < MAX_EVICTION_RETRIES);
            if (victims.length === 0) await sleep(250);
          }
          if (victims.length === 0) continue;
          const victim = faultRng.pick(victims);
          try {
            if (kind === FaultKind.POD_EVICT) kube.evict(victim.pod);
            else kube.preempt(victim.pod);
          } catch {
            continue; // gone since it was listed
          }
          disruptions.push({ ...victim, at: Date.now() });
          faults.push({ kind, at: Date.now() - t0, time: new Date().toISOString(), detail: `pod ${victim.pod} (${victim.taskId} try ${victim.tryNumber}) ${kind === FaultKind.POD_EVICT ? "evicted" : "preempted"}` });
        } else if (kind === FaultKind.WATCH_DROP || kind === FaultKind.WATCH_EXPIRE) {
          if (kind === FaultKind.WATCH_DROP) kube.dropWatches();
          else kube.expireWatches();
          const watches = kube.requestCounts()["watch pods"] ?? 0;
          faults.push({ kind, at, time: new Date().toISOString(), detail: `${kind === FaultKind.WATCH_DROP ? "every pod watch cut mid-stream" : "watch history compacted: open watches ended with 410 Expired"} (${watches} watch requests so far)` });
        } else if (kind === FaultKind.KUBE_API_BURST) {
          const createsBefore = kube.requestCounts()["create pods"] ?? 0;
          const { code, times } = kube.createBurst(faultRng);
          const fault = { kind, at, time: new Date().toISOString(), detail: `the next ${times} pod creates answered ${code}` };
          faults.push(fault);
          bursts.push({ fault, createsBefore, times });
        } else if (kind === FaultKind.SCHEDULER_PAUSE) {
          // The lease is half the 3 s threshold: about half the pauses outlast it.
          const pauseMs = faultRng.int(500, 4000);
          const victim = fleet.pauseOne(faultRng, pauseMs);
          if (victim) faults.push({ kind, at, time: new Date().toISOString(), detail: `scheduler #${victim.n} (pid ${victim.pid}) stopped (SIGSTOP) for ${pauseMs} ms`, scheduler: victim.n, durationMs: pauseMs });
        } else if (kind === FaultKind.TASK_KILL) {
          for (let attempt = 0; attempt < 20 && !finished; attempt++) {
            const tis = await probe.taskInstances(runId);
            const kill = tis ? killOneTask(deployment, tis, dag.tasks, kills, faultRng, Date.now() - t0, o.taskKill, workers.homes()) : null;
            if (kill) {
              kills.push(kill);
              faults.push({ kind, at: kill.at, time: new Date().toISOString(), detail: `${kill.taskId} try ${kill.tryNumber} (${o.taskKill} ${kill.pid}) killed` });
              break;
            }
            await sleep(100);
          }
        } else if (kind === FaultKind.DB_OUTAGE && admin) {
          const downMs = faultRng.int(500, 5000);
          const fault = { kind, at, time: new Date().toISOString(), detail: `deployment cut off PostgreSQL for ${downMs} ms` };
          faults.push(fault);
          const cut = await admin.outage(downMs);
          Object.assign(fault, { detail: `${fault.detail} (${cut} session(s) terminated)` });
        } else if (cluster) {
          const downMs = faultRng.int(0, 5000);
          faults.push({ kind, at, time: new Date().toISOString(), detail: `PostgreSQL stopped (fast) and started again after ${downMs} ms` });
          await cluster.restart(downMs);
        }
      }
    })();
    await watcher;
    await injector;
    const runMs = Date.now() - t0;
    const stopStarted = Date.now();

    await cluster?.ensureRunning();
    await admin?.allowLogin();
    for (const s of await fleet.stopAll(30_000)) {
      violations.push({ kind: ViolationKind.CRASH, detail: `scheduler #${s.n} (pid ${s.pid}) did not stop within 30 s of SIGTERM; see ${s.logFile}` });
    }
    for (const s of fleet.hangs) {
      violations.push({
        kind: ViolationKind.CRASH,
        detail: `scheduler #${s.n} (pid ${s.pid}) logged its job's end at ${new Date(s.endLoggedAt ?? 0).toISOString()} (${lastError(s.logFile)}) but did not exit; killed and replaced after 5 s`,
      });
    }
    for (const s of fleet.crashes.filter((x) => !refusedAtStart(x.logFile))) {
      violations.push({ kind: ViolationKind.CRASH, detail: `scheduler #${s.n} (pid ${s.pid}) exited on its own (${s.exit?.signal ?? `code ${s.exit?.code}`}): ${tail(s.logFile, 3)}` });
    }
    for (const s of fleet.all) {
      // Exit 0 after a graceful stop; a scheduler still starting up (no handler yet) dies of the SIGTERM itself.
      if (s.endedByUs === "stopped" && s.exit?.code !== 0 && s.exit?.signal !== "SIGTERM" && !fleet.crashes.includes(s)) {
        violations.push({ kind: ViolationKind.CRASH, detail: `scheduler #${s.n} (pid ${s.pid}) exited ${s.exit?.signal ?? `code ${s.exit?.code}`} after SIGTERM: ${tail(s.logFile, 3)}` });
      }
    }

    // Workers after the schedulers: they finish what they hold, which nobody records any more.
    for (const w of await workers.stopAll(30_000)) {
      violations.push({ kind: ViolationKind.CRASH, detail: `worker ${w.name} (pid ${w.child.pid}) did not stop within 30 s of SIGTERM; see ${w.logFile}` });
    }
    for (const w of workers.crashes) {
      violations.push({ kind: ViolationKind.CRASH, detail: `worker ${w.name} (pid ${w.child.pid}) exited on its own (${w.exit?.signal ?? `code ${w.exit?.code}`}): ${tail(w.logFile, 3)}` });
    }
    for (const w of workers.all) {
      if (w.endedByUs === "stopped" && w.exit?.code !== 0 && w.exit?.signal !== "SIGTERM" && !workers.crashes.includes(w)) {
        violations.push({ kind: ViolationKind.CRASH, detail: `worker ${w.name} exited ${w.exit?.signal ?? `code ${w.exit?.code}`} after SIGTERM: ${tail(w.logFile, 3)}` });
      }
    }

    // The pods last: a try's pod outlives its scheduler; stopping the server kills what is left.
    const creates = kube.requestCounts()["create pods"] ?? 0;
    for (const b of bursts) Object.assign(b.fault, { detail: `${b.fault.detail} (${creates - b.createsBefore} creates since${creates - b.createsBefore < b.times ? ": not all of the burst was met" : ""})` });
    fs.writeFileSync(path.join(home, "pods.json"), JSON.stringify({ requests: kube.requestCounts(), pods: kube.pods() }, null, 1));
    await kube.stop();

    const stopMs = Date.now() - stopStarted;
    const collectStarted = Date.now();
    const states = await deployment.json<TiState[]>(["tasks", "states-for-dag-run", DAG_ID, runId]);
    const audit = await deployment.json<AuditRow[]>(["dags", "audit-log", DAG_ID, "--run-id", runId, "--limit", "1000000"]);
    const stateOut = await deployment.cli(["dags", "state", DAG_ID, runId], { attempts: 10 });
    const runState = stateOut.code === 0 ? stateOut.stdout.trim() : null;
    fs.writeFileSync(path.join(home, "faults.json"), JSON.stringify({ faults, kills, disruptions }, null, 2));
    fs.writeFileSync(path.join(home, "audit.json"), JSON.stringify(audit, null, 1));
    fs.writeFileSync(path.join(home, "states.json"), JSON.stringify(states, null, 1));
    fs.writeFileSync(path.join(home, "jobs.json"), JSON.stringify(await probe.jobs(), null, 1));
    const collectMs = Date.now() - collectStarted;
    const schedulerKills = new Map<number, number>();
    const schedulerDeaths = new Map<number, number>();
    const schedulersUp: Array<{ from: number; to: number }> = [];
    for (const s of fleet.all) {
      const jobs = s.jobs();
      const last = jobs.at(-1);
      for (const job of jobs) {
        if (job.gaveUpAt !== null) schedulerDeaths.set(job.id, job.gaveUpAt);
        schedulersUp.push({ from: job.startedAt, to: job.gaveUpAt ?? s.killedAt ?? s.endLoggedAt ?? s.exitedAt ?? Date.now() });
      }
      if (last === undefined) continue;
      if (s.killedAt !== null) schedulerKills.set(last.id, s.killedAt);
      if (s.exitedAt !== null) schedulerDeaths.set(last.id, s.killedAt ?? s.endLoggedAt ?? s.exitedAt);
    }
    const workerKills = new Map(workers.all.filter((w) => w.killedAt !== null).map((w) => [w.name, w.killedAt!]));
    const checked = checkCycle({
      specs: dag.tasks,
      states,
      audit,
      marks: readMarks(deployment.eventsFile),
      kills,
      runState,
      schedulerKills,
      schedulerDeaths,
      fleet: { workerKills, redisFlushes },
      disruptions,
      schedulersUp,
    });
    violations.push(...checked.violations);
    const importErrors = await deployment.json<Array<{ filename: string }>>(["dags", "list-import-errors"]);
    violations.push(
      ...parseStallViolations({
        faults,
        schedulerLogs: fleet.all.map((s) => ({ n: s.n, text: fs.existsSync(s.logFile) ? fs.readFileSync(s.logFile, "utf8") : "" })),
        importErrorFiles: importErrors.map((e) => e.filename),
        windowMs: (DAGBAG_IMPORT_TIMEOUT_S + 5) * 1000,
      }),
    );

    const keep = o.keep || violations.some((x) => o.failing(x.kind));
    await probe.close();
    if (!keep) {
      await admin?.dropAll(name);
      dropped = true;
      deployment.removeHome();
    }
    return {
      index: o.index,
      seed: o.seed,
      runState,
      faults,
      violations,
      stats: checked.stats,
      wallMs: Date.now() - started,
      runMs,
      setupMs: t0 - started,
      stopMs,
      collectMs,
      schedulersStarted: fleet.all.length,
      home: keep ? home : null,
    };
  } finally {
    await probe.close();
    await fleet.stopAll(5_000);
    await workers.stopAll(5_000);
    await kube.stop();
    // The evidence of a kept cycle is in its home; the shared Redis keeps nothing of it.
    await flushPrefix(fleetPrefix).catch(() => undefined);
    await cluster?.ensureRunning();
    if (!dropped) await admin?.allowLogin();
  }
}

function pickKind(rng: Rng, allowed: { pgRestart: boolean; dbOutage: boolean }): FaultKind {
  const weights: Array<[FaultKind, number]> = [
    [FaultKind.SCHEDULER_KILL, 0.3],
    [FaultKind.SCHEDULER_PAUSE, 0.15],
    [FaultKind.TASK_KILL, 0.4],
    ...(allowed.dbOutage ? ([[FaultKind.DB_OUTAGE, 0.15]] as Array<[FaultKind, number]>) : []),
    ...(allowed.pgRestart ? ([[FaultKind.PG_RESTART, 0.15]] as Array<[FaultKind, number]>) : []),
    [FaultKind.POD_EVICT, 0.05],
    [FaultKind.POD_PREEMPT, 0.05],
    [FaultKind.WATCH_DROP, 0.05],
    [FaultKind.WATCH_EXPIRE, 0.05],
    [FaultKind.KUBE_API_BURST, 0.05],
  ];
  let x = rng.next() * weights.reduce((a, [, w]) => a + w, 0);
  for (const [kind, w] of weights) {
    if ((x -= w) < 0) return kind;
  }
  return FaultKind.TASK_KILL;
}

/**
 * A scheduler that could not reach the database when it started exits 1 with a one-line message
 * (issue 4, item 1); the fleet starts another. That is not a crash.
 */
function refusedAtStart(logFile: string): boolean {
  let text: string;
  try {
    text = fs.readFileSync(logFile, "utf8");
  } catch {
    return false;
  }
  return !/scheduler job \d+ started/.test(text) && /cannot connect to PostgreSQL|refused the login|not permitted to log in|does not answer/.test(text);
}

/** The `error:` line a scheduler printed before it gave up. */
function lastError(logFile: string): string {
  try {
    return fs.readFileSync(logFile, "utf8").split("\n").filter((l) => l.startsWith("error:")).at(-1) ?? "no error line";
  } catch {
    return "no log";
  }
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, "utf8").trim().split("\n").slice(-lines).join(" | ");
  } catch {
    return "(no log)";
  }
}
