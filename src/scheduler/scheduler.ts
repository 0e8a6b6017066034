import fs from "node:fs";
import os from "node:os";
import { errorLine } from "../common/errors.js";
import type { Logger } from "../common/logger.js";
import { DagRunState } from "../common/states.js";
import type { SwitchyardConfig } from "../config/types.js";
import { partsOf, type SchedulerExecutor } from "../executors/scheduler-executor.js";
import type { Store } from "../store/connect.js";
import { nextDagrunDue } from "../store/queries/dags.js";
import { createJob, endJob, heartbeatJob, JobState, markJobsFailed } from "../store/queries/jobs.js";
import { runsInStates } from "../store/queries/dag-runs.js";
import { StoreError, StoreErrorCode } from "../store/errors.js";
import { nextRetryDue, recentlySettled, runsWithDueRetries } from "../store/queries/task-instances.js";
import { EventState, type TaskEvent } from "../common/workload.js";
import type { TaskInstanceKey } from "../common/keys.js";
import { refreshTiHeartbeats } from "../store/queries/liveness.js";
import { acquireSchedulingLock } from "../store/queries/scheduling-lock.js";
import { adoptOrResetOrphans, resetLostTries, SCHEDULER_JOB } from "./adoption.js";
import { withRetries } from "./retrying.js";
import { claimSqliteDatabase } from "./sqlite-claim.js";
import { failZombies, handleStuckQueued } from "./sweeps.js";
import { nextCheckDue, runDueChecks, type PeriodicCheck } from "./periodic-checks.js";
import { enqueueTaskInstances } from "./critical-section.js";
import { compileSchedulerContext, type PassStamp, type SchedulerContext } from "./context.js";
import { DagCache } from "./dag-cache.js";
import { DagProcessor } from "./dag-processor.js";
import { evaluateDirtyRuns } from "./dependencies.js";
import { DirtyRuns } from "./dirty-runs.js";
import { applyTaskEvents } from "./events.js";
import { logRunFinished } from "./outcome-log.js";
import { createScheduledRuns, startQueuedRuns } from "./runs.js";
import { Waker, watchExternalCommits } from "./waker.js";
import { describeWaitingRuns, findRunsWaitingOnOutsideAction, type WaitingRun } from "./waiting.js";

/** How long a scheduler may act without recording a heartbeat: half the health-check threshold, so it stops before peers may declare it dead. */
export function schedulerLeaseMs(config: SwitchyardConfig): number {
  return (config.scheduler.schedulerHealthCheckThreshold * 1000) / 2;
}

export interface SchedulerOptions {
  /** Exit once no DAG run can progress without outside action: none is active, or each waits on a stated reason. */
  exitWhenIdle?: boolean;
  /** Re-parse the DAG folder when a file in it changes. @defaultValue true */
  watchDags?: boolean;
  logger: Logger;
}

/** How a scheduler run ended: with `exitWhenIdle`, the runs it left waiting on outside action (none: all done, or stopped). */
export interface SchedulerOutcome {
  waiting: WaitingRun[];
}

/** How far before a commit notice the scan for TIs settled by other processes looks. */
const EXTERNAL_SCAN_SLACK_MS = 5_000;
/**
 * Backoff bounds when the database fails mid-loop. The cap is short because a scheduler that
 * waits long after the database is back holds its peers' work (and its own reports) for that
 * long; it is also at most a quarter of the lease, so a peer back from the same outage, which
 * waits one lease before judging heartbeats, hears from this one first.
 */
const ERROR_BACKOFF_MS = [100, 5_000] as const;

/**
 * The scheduler loop. Each pass: apply executor reports, create and start runs, move TIs along
 * their dependencies, queue what fits (the critical section), heartbeat the executors. It sleeps
 * only when a pass found nothing to do, and then until the next event or timer.
 */
export class Scheduler {
  private readonly waker = new Waker();
  private readonly dirty = new DirtyRuns();
  private readonly dags: DagCache;
  /** Compiled at construction, and again once the job id is known (start, rejoin). */
  private ctx: SchedulerContext;
  private jobId = 0;
  private stopping = false;
  private stopped: Promise<void> | null = null;
  /** Orphan adoption: reset to run at once after rejoining, for the old job's TIs. */
  private readonly adoption: PeriodicCheck;
  /** The sweeps run on their own intervals: read by each pass and by the idle wait. */
  private readonly checks: readonly PeriodicCheck[];
  /** When passes last started succeeding after a database failure (-Infinity: none yet). */
  private healthySince = Number.NEGATIVE_INFINITY;
  /** Passes failed in a row (the database is unreachable while it is above 0); reset by the next pass that succeeds. */
  private failedPasses = 0;
  /** Resolves when stop() is called: ends an error backoff early, which an ordinary wake-up does not. */
  private readonly stopRequested: Promise<void>;
  private requestStop: () => void = () => undefined;
  /** Half the health-check threshold: how long this scheduler may act without recording a heartbeat. */
  private readonly leaseMs: number;
  /** Set when the DAG processor wrote a parse: the loop drops what it cached of the DAGs. */
  private dagsChanged = false;
  /** Parses beside the loop; null with `[scheduler] standalone_dag_processor` (a `dag-processor` command parses). */
  private processor: DagProcessor | null = null;
  /** A heartbeat write in flight (its own timer, never the pass's). */
  private heartbeating = false;
  /** An error of the heartbeat timer that must end the scheduler (the SQLite file was replaced): thrown by the next pass. */
  private heartbeatFatal: unknown = null;
  /** Set at start and after rejoining: every running run is evaluated in the next pass. */
  private evaluateAllRuns = true;
  /**
   * Looking for runs to create or start, and for retries come due, costs round trips every pass
   * (a transaction under the scheduling lock, on PostgreSQL several). So each is done when
   * something may have made it due — a commit by another process (a trigger), a run that
   * finished, a DAG parse, the due time the last idle wait computed, the previous look having
   * found work — and otherwise at least every idle_wake_interval.
   */
  private runsCheckNeeded = true;
  private lastRunsCheck = 0;
  private lastRetryCheck = 0;
  private nextRunAt: number | null = null;
  private nextRetryAt: number | null = null;
  /**
   * The critical section costs a transaction of six statements, and most passes of a busy
   * scheduler bring it nothing: a pass that only recorded tries starting changes no count and
   * schedules no TI. So it runs when something may have given it work — a TI scheduled, a try
   * finished (a slot freed), a run moved, a sweep or reset, a commit by another process, a DAG
   * parse, an executor slot freed, its previous call having filled its budget — and otherwise at least
   * every idle_wake_interval.
   */
  private enqueueNeeded = true;
  private lastEnqueue = 0;
  /** Free executor slots right after the last critical section: more now means a slot was freed since. */
  private slotsAfterEnqueue = Number.POSITIVE_INFINITY;
  /** When this scheduler last recorded a heartbeat (the value written): the start of its lease. */
  private leaseRenewedAt = Date.now();
  /** Set when the lease was lost: running tries were stopped; rejoin under a new job before anything else. */
  private fenced = false;
  /** Executor reports drained but not yet written (the database failed): applied first next pass. */
  private unapplied: TaskEvent[] = [];
  /** Tries the executors stopped because the lease ran out (see SchedulerExecutor.onTriesLost), to reset. */
  private lostTries: Array<{ key: TaskInstanceKey; why: string }> = [];
  /** SWITCHYARD_SCHEDULER_PASS_LOG=<file>: one line per pass (epoch ms, pass ms, busy) for the benchmarks. */
  private readonly passLog = process.env.SWITCHYARD_SCHEDULER_PASS_LOG ? fs.createWriteStream(process.env.SWITCHYARD_SCHEDULER_PASS_LOG, { flags: "a" }) : null;
  /** Set when another process committed: TIs it settled (e.g. `tasks run`) need their downstream evaluated. */
  private externalCommitSince: number | null = null;
  /** What was last logged about runs waiting on outside action, and when: logged again on a change or after waiting_log_interval. */
  private waitingLogged = { text: "", at: 0 };

  constructor(
    private readonly store: Store,
    private readonly config: SwitchyardConfig,
    private readonly executors: readonly SchedulerExecutor[],
    private readonly options: SchedulerOptions,
  ) {
    this.dags = new DagCache(store.db);
    this.ctx = this.compileContext();
    this.leaseMs = schedulerLeaseMs(config);
    this.stopRequested = new Promise((resolve) => (this.requestStop = resolve));
    const sc = config.scheduler;
    // Each sweep reads the clock when it starts (stamp's default): the pass's own start may be seconds old by then.
    this.adoption = {
      name: "orphaned tasks",
      intervalMs: sc.orphanedTasksCheckInterval * 1000,
      lastRun: 0,
      run: (source) =>
        adoptOrResetOrphans({
          ...this.stamp(source),
          // Not in the first pass after an outage either: failedPasses is reset only once it succeeds.
          judgeHeartbeats: this.failedPasses === 0 && Date.now() - this.healthySince >= this.leaseMs,
        }),
    };
    this.checks = [
      this.adoption,
      { name: "zombies", intervalMs: sc.zombieDetectionInterval * 1000, lastRun: 0, run: (source) => failZombies(this.stamp(source), sc.taskHeartbeatTimeout * 1000) },
      {
        name: "stuck in queued",
        intervalMs: sc.taskQueuedTimeoutCheckInterval * 1000,
        lastRun: 0,
        run: (source) => handleStuckQueued(this.stamp(source), config.core.taskQueuedTimeout * 1000, sc.numStuckInQueuedRetries),
      },
    ];
  }

  private compileContext(): SchedulerContext {
    return compileSchedulerContext({
      store: this.store,
      config: this.config,
      executors: this.executors,
      dags: this.dags,
      dirty: this.dirty,
      logger: this.options.logger,
      jobId: this.jobId,
      // Checked again right before the hand-off: a long pass may have outlived the lease.
      fenced: () => this.fenced || this.leaseExpired(),
    });
  }

  /** The context with a pass's clock (now, unless given) and source. */
  private stamp(source: string, now = Date.now()): SchedulerContext & PassStamp {
    return { ...this.ctx, now, source };
  }

  get id(): number {
    return this.jobId;
  }

  /** Ask for a graceful stop: nothing new is queued, running tries finish and are recorded. */
  stop(): void {
    this.stopping = true;
    this.requestStop();
    this.waker.wake();
  }

  async run(): Promise<SchedulerOutcome> {
    const log = this.options.logger;
    const db = this.store.db;
    this.jobId = await this.registerJob();
    this.ctx = this.compileContext();
    await claimSqliteDatabase(this.store, { jobId: this.jobId, healthCheckThresholdMs: this.config.scheduler.schedulerHealthCheckThreshold * 1000, now: Date.now() });
    log.info(`scheduler job ${this.jobId} started (pid ${process.pid}); executors: ${this.executors.map((e) => `${e.name.name} (parallelism ${e.parallelism})`).join(", ")}`);
    for (const ex of this.executors) {
      ex.setJobId(this.jobId);
      ex.onEvent(this.waker.wake);
      ex.onTriesLost((keys, why) => {
        this.lostTries.push(...keys.map((key) => ({ key, why })));
        this.waker.wake();
      });
      await ex.start();
    }
    let lastScan = Date.now() - EXTERNAL_SCAN_SLACK_MS;
    const unwatchDb = watchExternalCommits(this.store, () => {
      // Look back to the previous scan, with slack: the other process stamped updated_at before it committed.
      this.externalCommitSince ??= lastScan - EXTERNAL_SCAN_SLACK_MS;
      this.runsCheckNeeded = true;
      this.enqueueNeeded = true; // TIs scheduled, slots freed or pools changed elsewhere
      lastScan = Date.now();
      this.waker.wake();
    });
    if (!this.config.scheduler.standaloneDagProcessor) {
      this.processor = new DagProcessor(this.store, this.config, {
        logger: log,
        ...(this.options.watchDags === false ? { watch: false } : {}),
        onParsed: (result) => {
          if (result !== null) this.dagsChanged = true;
          this.waker.wake();
        },
      });
      this.processor.start();
    }
    // Its own timer: a pass that waits on a slow query must not keep the heartbeat from being written.
    const heartbeatTimer = setInterval(() => void this.heartbeat(), this.config.scheduler.jobHeartbeatSec * 1000);
    void this.heartbeat();
    // The lease: peers declare this scheduler dead once its heartbeat is older than the threshold
    // and then re-run its tries. Stop them well before that if heartbeats cannot be recorded, so
    // no try ever runs beside its replacement. A timer, because a pass may hang on the database.
    const leaseTimer = setInterval(() => void this.fenceIfLeaseExpired(), Math.max(50, Math.min(1000, this.leaseMs / 4)));
    let finalState: JobState = JobState.SUCCESS;
    try {
      // The first pass schedules what the DAG files say now, so it waits until the database holds
      // that: at once when the files are unchanged since their last parse, else for the first parse
      // (the heartbeat's own timer keeps the lease meanwhile); no later pass waits on a parse.
      if (this.processor !== null) await Promise.race([this.processor.current, this.stopRequested]);
      // Inside the loop a database failure is retried, not fatal.
      return await this.loop();
    } catch (err) {
      finalState = JobState.FAILED;
      throw err;
    } finally {
      clearInterval(leaseTimer);
      clearInterval(heartbeatTimer);
      unwatchDb();
      await this.processor?.stop();
      this.passLog?.end();
      await endJob(db, this.jobId, finalState, Date.now()).catch(() => undefined);
      const usage = process.resourceUsage();
      log.info(
        `scheduler job ${this.jobId} ended (${finalState}); cpu ${((usage.userCPUTime + usage.systemCPUTime) / 1e6).toFixed(2)}s, peak rss ${Math.round(usage.maxRSS / 1024)} MB`,
      );
    }
  }

  private async loop(): Promise<SchedulerOutcome> {
    const log = this.options.logger;
    let draining = false;
    for (;;) {
      if (this.stopping && !draining) {
        draining = true;
        log.info("stopping: no new task instances will be queued; waiting for running tries to finish");
      }
      let busy: boolean;
      let sleepMs = 0;
      /** Set when this scheduler holds nothing: null while some run may still progress on its own. */
      let waiting: WaitingRun[] | null = null;
      try {
        const started = performance.now();
        busy = await this.pass(`scheduler:${this.jobId}`, draining);
        this.passLog?.write(`${Date.now()} ${(performance.now() - started).toFixed(3)} ${busy ? 1 : 0}\n`);
        // A pass that did work and left nothing pending is followed by a wait, not by a pass that would find nothing.
        if (busy && !draining && !this.morePending()) busy = false;
        // Its queries are part of the pass: a database failure here is retried like any other.
        if (!busy && !draining) {
          sleepMs = await this.msUntilNextTimer();
          if (this.holdsNothing()) waiting = await this.runsWaitingOnOutsideAction();
        }
        if (this.failedPasses > 0) {
          this.healthySince = Date.now();
          log.info(`database reachable again after ${this.failedPasses} failed pass(es)`);
          this.failedPasses = 0;
        }
      } catch (err) {
        if (err instanceof StoreError && err.code === StoreErrorCode.FILE_REPLACED) throw err; // waiting cannot bring the file back
        const errors = ++this.failedPasses;
        const cap = Math.max(ERROR_BACKOFF_MS[0], Math.min(ERROR_BACKOFF_MS[1], this.leaseMs / 4));
        const delay = Math.min(ERROR_BACKOFF_MS[0] * 2 ** Math.min(errors - 1, 10), cap);
        log.error(`scheduler pass failed (${errors} in a row), retrying in ${delay} ms: ${errorLine(err)}`);
        // Executor reports would cut an ordinary wait short; only a stop does here, so the backoff holds.
        await Promise.race([new Promise((resolve) => setTimeout(resolve, delay)), this.stopRequested]);
        continue;
      }
      // Tries that outlive this scheduler are not waited for: end() releases them to the next one.
      if (draining && this.executors.flatMap(partsOf).every((e) => e.triesOutliveScheduler || e.slotsOccupied === 0)) {
        for (const ex of this.executors) await ex.end();
        await this.applyEvents(`scheduler:${this.jobId}`); // the reports of the last tries
        return { waiting: [] };
      }
      // A parse in progress may still add a run (a new DAG's schedule): idle means it has been written.
      if (this.options.exitWhenIdle && waiting !== null && !this.processor?.busy) {
        if (waiting.length === 0) log.info("no DAG run is active: exiting (--exit-when-idle)");
        else log.warn(`exiting (--exit-when-idle) with ${waiting.length} DAG run(s) left waiting on outside action (exit status 3):\n${describeWaitingRuns(waiting)}`);
        for (const ex of this.executors) await ex.end();
        return { waiting };
      }
      if (busy) {
        // Let IPC messages and timers in before the next pass.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      await this.waker.wait(sleepMs);
    }
  }

  /** One pass of the loop. Returns whether it did anything (then another pass follows at once). */
  private async pass(source: string, draining: boolean): Promise<boolean> {
    const db = this.store.db;
    const now = Date.now();
    let work = 0;

    if (this.heartbeatFatal !== null) throw this.heartbeatFatal;
    if (this.dagsChanged) {
      this.dagsChanged = false;
      this.dags.clear();
      this.runsCheckNeeded = true; // new or changed schedules
      this.enqueueNeeded = true; // limits (maxActiveTasks, pools of tasks) may have changed
      this.evaluateAllRuns = true; // tasks removed from a DAG, or back: their runs' TIs follow (integrity.ts)
    }
    // Resumed after a stop (SIGSTOP, a long pause), this pass may come before the lease timer: the
    // heartbeat would still be accepted when no peer declared this scheduler dead, but its runners
    // have stopped their tries. So it rejoins, as if declared dead, after a turn of the event loop
    // that lets those runners' exits in.
    if (await this.fenceIfLeaseExpired()) return true;
    if (this.fenced) {
      await this.rejoin(source);
      source = `scheduler:${this.jobId}`; // what follows is done by the new job
    }
    // Reports first: a try that finished (perhaps during an outage) must not be swept as a zombie or orphan.
    work += await this.applyEvents(source);
    const resetOrSwept = (await this.resetLostTries(source)) + (await runDueChecks(this.checks, now, source));
    if (resetOrSwept > 0) this.enqueueNeeded = true;
    work += resetOrSwept;

    if (this.evaluateAllRuns) {
      await this.markRunningRunsDirty();
      this.evaluateAllRuns = false;
    }
    if (this.externalCommitSince !== null) {
      const since = this.externalCommitSince;
      this.externalCommitSince = null;
      for (const r of await recentlySettled(db, since)) this.dirty.markChanged(r.dag_run_id, r.task_id);
    }
    const safetyMs = this.config.scheduler.idleWakeInterval * 1000;
    // A TI that became up_for_retry in this pass is marked changed and checked by evaluateDirtyRuns;
    // this finds the ones whose delay has run out since.
    if (now - this.lastRetryCheck >= safetyMs || (this.nextRetryAt !== null && now >= this.nextRetryAt)) {
      for (const r of await runsWithDueRetries(db, now)) this.dirty.markChanged(r.dag_run_id, r.task_id);
      this.lastRetryCheck = now;
      this.nextRetryAt = null;
    }

    if (!draining && (this.runsCheckNeeded || now - this.lastRunsCheck >= safetyMs || (this.nextRunAt !== null && now >= this.nextRunAt))) {
      this.runsCheckNeeded = false; // before the look: a trigger committed during it sets it again
      const moved = await db.transaction().execute(async (trx) => {
        await acquireSchedulingLock(trx, this.store.kind, this.jobId);
        const runCtx = { ...this.stamp(source, now), db: trx };
        return (await createScheduledRuns(runCtx)) + (await startQueuedRuns(runCtx, this.dirty));
      }).catch((err: unknown) => {
        this.runsCheckNeeded = true;
        throw err;
      });
      this.lastRunsCheck = now;
      this.nextRunAt = null;
      if (moved > 0) {
        this.runsCheckNeeded = true; // there may be more than one pass's worth
        this.enqueueNeeded = true;
      }
      work += moved;
    }
    const deps = await evaluateDirtyRuns(this.stamp(source, now), this.dirty);
    work += deps.changed + deps.finishedRuns.length;
    if (deps.changed > 0 || deps.finishedRuns.length > 0) this.enqueueNeeded = true;
    if (deps.finishedRuns.length > 0) this.runsCheckNeeded = true; // maxActiveRuns may let a queued run start
    for (const f of deps.finishedRuns) logRunFinished(this.options.logger, f);

    if (!draining && this.mayEnqueue(now, safetyMs)) {
      this.enqueueNeeded = false; // before the call: a commit noticed during it sets it again
      let queued: number;
      try {
        queued = await enqueueTaskInstances(this.stamp(source, now));
      } catch (err) {
        this.enqueueNeeded = true;
        throw err;
      }
      this.lastEnqueue = now;
      this.slotsAfterEnqueue = this.freeSlots();
      // A call that filled its budget may have left runnable TIs behind; one that did not stopped
      // at a limit or ran out of candidates, and only a change (flagged above) can alter that.
      if (queued >= this.ctx.maxTisPerQuery) this.enqueueNeeded = true;
      work += queued;
    }
    for (const ex of this.executors) await ex.heartbeat();
    return work > 0;
  }

  /**
   * After a pass that did work: whether the next pass may find more at once (a wake came during it,
   * or it left something flagged), or the loop may wait for the next event or timer. Every source of
   * new work wakes the waker, so a wait loses nothing; it spares the pass that would find nothing,
   * which on a fan-out was about every other pass.
   */
  private morePending(): boolean {
    return (
      this.waker.woken ||
      this.enqueueNeeded ||
      this.runsCheckNeeded ||
      this.evaluateAllRuns ||
      this.dagsChanged ||
      this.fenced ||
      this.heartbeatFatal !== null ||
      this.externalCommitSince !== null ||
      this.dirty.size > 0 ||
      this.unapplied.length > 0 ||
      this.lostTries.length > 0
    );
  }

  /** Whether the critical section may find work this pass (see enqueueNeeded). */
  private mayEnqueue(now: number, safetyMs: number): boolean {
    return this.enqueueNeeded || now - this.lastEnqueue >= safetyMs || this.freeSlots() > this.slotsAfterEnqueue;
  }

  private freeSlots(): number {
    return this.executors.reduce((n, e) => n + e.slotsAvailable, 0);
  }

  /**
   * Records the heartbeat and renews the lease, on its own timer. It shares only the database
   * with the passes (on PostgreSQL, a connection of its own from the pool). While fenced it
   * records nothing: the pass rejoins under a new job first. A result for a job this scheduler
   * no longer is (it rejoined meanwhile) is dropped.
   */
  private async heartbeat(): Promise<void> {
    if (this.heartbeating || this.fenced || this.jobId === 0) return;
    this.heartbeating = true;
    const jobId = this.jobId;
    try {
      // Resumed after a stop longer than the lease (SIGSTOP, a paused VM): the runners have stopped
      // their tries, so a heartbeat now would keep a job whose tries are gone. Fence and let the
      // next pass rejoin, as when declared dead.
      if (await this.fenceIfLeaseExpired()) {
        this.waker.wake();
        return;
      }
      this.store.sqlite?.assertSameFile();
      const now = Date.now();
      const alive = await heartbeatJob(this.store.db, jobId, now);
      if (this.fenced || jobId !== this.jobId) return;
      if (!alive) {
        await this.fence(`scheduler job ${jobId} was declared dead by another scheduler`);
        this.waker.wake();
        return;
      }
      this.renewLease(now);
      // Only what each executor vouches for: a try whose worker is gone stops heartbeating and becomes a zombie.
      await refreshTiHeartbeats(this.store.db, this.executors.flatMap((e) => e.liveTries()), now);
    } catch (err) {
      if (err instanceof StoreError && err.code === StoreErrorCode.FILE_REPLACED) {
        this.heartbeatFatal = err;
        this.waker.wake();
        return;
      }
      // The database is unreachable: the lease timer fences once it runs out; the passes log the outage.
      this.options.logger.debug(`heartbeat not recorded: ${errorLine(err)}`);
    } finally {
      this.heartbeating = false;
    }
  }

  /** A heartbeat was recorded at `at`: the lease runs from there, here and in the executors' runners. */
  private renewLease(at: number): void {
    this.leaseRenewedAt = at;
    for (const ex of this.executors) ex.renewLease(at + this.leaseMs);
  }

  private leaseExpired(): boolean {
    return Date.now() - this.leaseRenewedAt > this.leaseMs;
  }

  /** Fences (and returns true) when the lease ran out and this scheduler was not fenced yet. */
  private async fenceIfLeaseExpired(): Promise<boolean> {
    if (this.fenced || !this.leaseExpired()) return false;
    await this.fence(`no heartbeat could be recorded for ${Math.round((Date.now() - this.leaseRenewedAt) / 1000)}s`);
    return true;
  }

  /** Registers this scheduler in `job`. A database that fails here is a one-line error, not a stack. */
  private async registerJob(): Promise<number> {
    try {
      // The database answered a moment ago (the schema check): a failure now is an outage that
      // began since, which a scheduler rides out like any other rather than exiting.
      const budgetMs = this.config.scheduler.schedulerHealthCheckThreshold * 1000;
      return await withRetries(() => createJob(this.store.db, { jobType: SCHEDULER_JOB, hostname: os.hostname(), pid: process.pid, now: Date.now() }), budgetMs);
    } catch (err) {
      throw new StoreError(StoreErrorCode.UNREACHABLE, `could not register the scheduler in the job table: ${errorLine(err)}`, { cause: err });
    }
  }

  /**
   * Every running run is evaluated once when this scheduler starts or rejoins: a scheduler that
   * recorded a TI's end and died before evaluating its downstream leaves that work to others.
   */
  private async markRunningRunsDirty(): Promise<void> {
    for (const run of await runsInStates(this.store.db, [DagRunState.RUNNING])) this.dirty.markAll(Number(run.id));
  }

  /**
   * Marks this scheduler to rejoin, and takes the tries its executors hold out of its hands
   * (without reporting them): those that live in its process tree are stopped, so another
   * scheduler can run them again without running them twice; those that outlive it are released
   * untouched, for a scheduler (a peer, or this one after rejoining) to adopt by external id.
   */
  private async fence(reason: string): Promise<void> {
    if (this.fenced) return;
    this.fenced = true;
    const parts = this.executors.flatMap(partsOf);
    const stopped = parts.filter((e) => !e.triesOutliveScheduler).reduce((n, e) => n + e.slotsOccupied, 0);
    const released = parts.filter((e) => e.triesOutliveScheduler).reduce((n, e) => n + e.slotsOccupied, 0);
    this.options.logger.warn(
      `lease lost (${reason}): stopping ${stopped} tr${stopped === 1 ? "y" : "ies"} so another scheduler can take them over without running them twice` +
        (released > 0 ? `; releasing ${released} that outlive this scheduler, to be adopted` : ""),
    );
    const why = `stopped: scheduler job ${this.jobId} lost its lease (${reason}), so another scheduler may run this task again; this try's result is not recorded`;
    for (const ex of this.executors) {
      for (const part of partsOf(ex)) {
        if (part.triesOutliveScheduler) {
          await part.releaseAll();
        } else {
          for (const key of part.heldTries()) {
            await part.revokeTask({ key, state: "running", externalExecutorId: null, queue: "", pid: null, hostname: null }, why);
          }
        }
      }
      // Reports already in hand (tries that finished before the fence) are kept and applied after
      // rejoining: they name their try, so one that was reset meanwhile is rejected, not re-run.
      this.unapplied.push(...ex.getEventBuffer());
    }
  }

  /** After a lost lease: a new job, the old one marked failed, so its TIs are reset and scheduled again. */
  private async rejoin(source: string): Promise<void> {
    const now = Date.now();
    const old = this.jobId;
    const db = this.store.db;
    await this.applyEvents(`scheduler:${old}`);
    this.jobId = await createJob(db, { jobType: SCHEDULER_JOB, hostname: os.hostname(), pid: process.pid, now });
    await markJobsFailed(db, [old], now);
    this.ctx = this.compileContext();
    this.evaluateAllRuns = true;
    this.enqueueNeeded = true;
    for (const ex of this.executors) ex.setJobId(this.jobId);
    this.renewLease(now);
    this.adoption.lastRun = 0; // reset the old job's TIs at once
    this.fenced = false;
    this.options.logger.info(`rejoined as scheduler job ${this.jobId} (job ${old} marked failed; ${source})`);
  }

  private async applyEvents(source: string): Promise<number> {
    const events = [...this.unapplied, ...this.executors.flatMap((ex) => ex.getEventBuffer())];
    this.unapplied = [];
    // A try that ended frees its slots (pool, executor, parallelism); one that started changes no count.
    if (events.some((e) => e.state === EventState.SUCCESS || e.state === EventState.FAILED)) this.enqueueNeeded = true;
    try {
      return await applyTaskEvents(this.stamp(source), events);
    } catch (err) {
      // The database is unreachable: keep the reports for the next pass rather than lose them.
      this.unapplied = events;
      throw err;
    }
  }

  private async resetLostTries(source: string): Promise<number> {
    if (this.lostTries.length === 0) return 0;
    const lost = this.lostTries;
    this.lostTries = [];
    try {
      return await resetLostTries(this.stamp(source), lost);
    } catch (err) {
      this.lostTries.unshift(...lost); // the database is unreachable: reset them next pass
      throw err;
    }
  }

  /** Nothing in this scheduler's hands: no try in its executors, no run to evaluate, no report to write. */
  private holdsNothing(): boolean {
    return this.executors.every((e) => e.slotsOccupied === 0) && this.dirty.size === 0 && this.unapplied.length === 0 && this.lostTries.length === 0;
  }

  /**
   * The runs that cannot progress without outside action (waiting.ts), or null while some may.
   * Says which and why when that changes, and again every waiting_log_interval while it lasts.
   */
  private async runsWaitingOnOutsideAction(): Promise<WaitingRun[] | null> {
    const waiting = await findRunsWaitingOnOutsideAction(this.ctx);
    // With --exit-when-idle the exit report says it instead.
    if (this.options.exitWhenIdle) return waiting;
    if (waiting === null || waiting.length === 0) {
      this.waitingLogged = { text: "", at: 0 };
      return waiting;
    }
    const text = describeWaitingRuns(waiting);
    const now = Date.now();
    if (text !== this.waitingLogged.text || now - this.waitingLogged.at >= this.config.scheduler.waitingLogInterval * 1000) {
      this.options.logger.warn(`${waiting.length} DAG run(s) cannot progress without outside action:\n${text}`);
      this.waitingLogged = { text, at: now };
    }
    return waiting;
  }

  private async msUntilNextTimer(): Promise<number> {
    const now = Date.now();
    const candidates = [now + this.config.scheduler.idleWakeInterval * 1000, nextCheckDue(this.checks)];
    // Times already past were acted on in the pass that just ended (a run that is due but held back by
    // maxActiveRuns waits for a run to finish, which is an event): only future times set a timer.
    const retry = await nextRetryDue(this.store.db);
    this.nextRetryAt = retry;
    if (retry !== null && retry > now) candidates.push(retry);
    const run = await nextDagrunDue(this.store.db);
    this.nextRunAt = run;
    if (run !== null && run > now) candidates.push(run);
    return Math.max(0, Math.min(...candidates) - now);
  }
}
