import { hostname } from "node:os";
import { errorLine } from "../common/errors.js";
import { formatKey, keyString, tiString, type TaskInstanceKey } from "../common/keys.js";
import { tryLogFile, type TaskEvent, type Workload } from "../common/workload.js";
import { KILL_GRACE_MS, LEASE_EXPIRED_EXIT_CODE, MAX_TIMER_MS } from "../runner/constants.js";
import { signalProcessGroup } from "../runner/process-groups.js";
import { appendClosingLine } from "../runner/try-log.js";
import { BaseExecutor } from "./base.js";
import { InvalidExecutorConfigError } from "./errors.js";
import { judgeBlockedRunner } from "./local/blocked-runner.js";
import { compileLocalExecutorOptions, ISOLATIONS, type CompiledLocalExecutorOptions, type Isolation } from "./local/options.js";
import { RunnerHandle, type RunnerExit } from "./local/runner-handle.js";
import { RunnerPool } from "./local/runner-pool.js";
import type { ExecutorContext, TaskInstanceRef } from "./types.js";

/** Extra time past a try's timeout (and the kill grace) before the executor kills an unresponsive runner. */
const WATCHDOG_SLACK_MS = 10_000;

/** How long `end()` lets runners exit on their own before killing them. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * Fresh runners kept started (and preloaded) for process-isolated tries, once the executor has
 * seen one: such a try then starts without waiting for Node, tsx and the switchyard API to load.
 */
const SPARE_RUNNERS = 1;

/** How often the executor looks for runners whose heartbeat stopped. */
const HEARTBEAT_CHECK_MS = 500;
/** `[core] dagbag_import_timeout`'s default, for an executor built without it in its context. */
const DEFAULT_DAG_IMPORT_TIMEOUT = 30;

interface Try {
  readonly workload: Workload;
  /** Changes only before the try has reached it: see #onRunnerReady. */
  runner: RunnerHandle;
  /** The pid from the running event: the bash child (its own process group) or the runner itself. */
  pid?: number;
  watchdog?: NodeJS.Timeout;
  watchdogFired?: boolean;
  /** It reported `running`. */
  running?: boolean;
  /** What its runner's death means for it, decided before the executor killed that runner for a blocked event loop. */
  verdict?: { readonly kind: "failed"; readonly error: string } | { readonly kind: "lost"; readonly why: string };
}

/**
 * Runs tries on this machine in runner child processes, at most `parallelism` at once.
 * Warm isolation (default) keeps long-lived runners that take many tries each: `fn` tries run
 * inside them without a process start, bash tries are process groups of their own. A task that
 * crashes its runner fails only the tries that runner had; a replacement starts at once.
 * Process isolation gives every try a fresh runner that exits after it; one spare fresh runner
 * is kept started for the next such try.
 */
export class LocalExecutor extends BaseExecutor {
  override readonly isLocal = true;
  override readonly supportsPickling = false;
  override readonly servesLogs = true;

  readonly options: CompiledLocalExecutorOptions;
  readonly #pool: RunnerPool;
  /** Runners that exit once their tries are done: those of process-isolated tries, and those retired after a lapsed lease. */
  readonly #oneShot = new Set<RunnerHandle>();
  /** Fresh runners that have run nothing yet, for the next process-isolated tries. */
  readonly #spares = new Set<RunnerHandle>();
  /** Whether to keep spares: process isolation is the default, or a try asked for it. */
  #wantSpares = false;
  readonly #tries = new Map<string, Try>();
  #closing = false;
  #terminating = false;
  /** The scheduler's lease, passed on to every runner (null: none yet). */
  #leaseUntil: number | null = null;
  #heartbeatCheck: NodeJS.Timeout | undefined;
  /**
   * Task instances (tiString) re-queued once because a runner died of an unknown cause before
   * their try started: the next time it happens to one, its own start may be the cause, so it
   * fails (its retries apply) rather than being re-run for ever. Forgotten when a try of it ends.
   */
  readonly #requeuedUnstarted = new Set<string>();
  /** When the heartbeat check last ran: a late one means this process's own loop was blocked, not the runners'. */
  #lastCheck = 0;
  /** How long a runner that is only importing DAG files may stay silent (see #silenceLimitMs). */
  readonly #importTimeoutMs: number;

  constructor(context: ExecutorContext) {
    const warnings: string[] = [];
    const options = compileLocalExecutorOptions(context.options, {
      executor: context.name.name,
      defaultParallelism: context.defaultParallelism,
      warn: (message) => warnings.push(message),
    });
    super(context, options.parallelism);
    for (const message of warnings) this.logger.warn(message);
    this.options = options;
    this.#importTimeoutMs = (context.dagImportTimeout ?? DEFAULT_DAG_IMPORT_TIMEOUT) * 1000;
    this.#pool = new RunnerPool(options.runners, () => this.#spawnRunner());
  }

  /**
   * Start the first warm runner before the scheduler has opened its database: its Node start-up
   * then overlaps the scheduler's instead of following it. Only the first: each runner costs a
   * Node start-up and the DAG loader's import in CPU time, which the scheduler needs for its own
   * start-up; start() starts the others.
   */
  override warmUp(): void {
    if (this.options.isolation === "warm" && !this.#terminating) this.#pool.fill(1);
  }

  /** Start the warm runners now (the first one may be up already: warmUp), so the first tries do not wait for process start-up. */
  override start(): void {
    this.#closing = false;
    this.#terminating = false;
    // All of them, not only once the first pass has sent its tries: that pass may wait seconds for a parse.
    if (this.options.isolation === "warm") this.#pool.fill();
    else this.#wantSpares = true;
    this.#fillSpares();
    clearInterval(this.#heartbeatCheck);
    this.#lastCheck = Date.now();
    this.#heartbeatCheck = setInterval(() => this.#checkHeartbeats(), HEARTBEAT_CHECK_MS);
    this.#heartbeatCheck.unref();
  }

  /**
   * Kill the runners whose event loop has stopped turning (no heartbeat for
   * `runner_heartbeat_timeout`) while they hold tries: the tries that could have blocked it fail,
   * the others are re-queued at once rather than waiting for a timeout that may never come.
   */
  #checkHeartbeats(): void {
    const now = Date.now();
    const lagged = now - this.#lastCheck > HEARTBEAT_CHECK_MS * 2;
    this.#lastCheck = now;
    for (const runner of [...this.#pool.runners, ...this.#oneShot]) {
      // This process was blocked itself: the runners' heartbeats may be waiting unread in the channel.
      if (lagged) runner.lastHeard = now;
      if (!runner.alive || !runner.everReady || runner.load === 0) continue;
      if (now - runner.lastHeard > this.#silenceLimitMs(runner)) this.#killBlocked(runner);
    }
  }

  /**
   * How long `runner` may stay silent. While no fn of its tries has been called, only importing a
   * DAG file can hold its loop, and an import is allowed `[core] dagbag_import_timeout`, as in the
   * DAG processor: on a loaded machine a big DAG file (or tsx compiling it) can take longer than
   * `runner_heartbeat_timeout`, and its try must not fail for that.
   */
  #silenceLimitMs(runner: RunnerHandle): number {
    const fnCalled = [...runner.fnSlices.values()].some((phase) => phase !== undefined);
    return fnCalled ? this.options.runnerHeartbeatTimeoutMs : Math.max(this.options.runnerHeartbeatTimeoutMs, this.#importTimeoutMs);
  }

  #killBlocked(runner: RunnerHandle): void {
    const entries = [...runner.inflight.keys()].flatMap((id) => {
      const entry = this.#tries.get(id);
      return entry !== undefined && entry.runner === runner && entry.verdict === undefined ? [entry] : [];
    });
    if (entries.length === 0) return;
    const verdict = judgeBlockedRunner(
      entries.map((entry) => ({
        key: entry,
        running: entry.running === true,
        fnSlice: runner.fnSlices.get(keyString(entry.workload.key)),
      })),
    );
    const limitMs = this.#silenceLimitMs(runner);
    const seconds = limitMs / 1000;
    const names = verdict.suspects.map((entry) => formatKey(entry.workload.key));
    const importing = limitMs > this.options.runnerHeartbeatTimeoutMs;
    const error = importing
      ? `the event loop of runner process ${runner.pid} was blocked for more than ${seconds}s while it imported the DAG file of ${names.length === 1 ? "this try" : `one of ${names.join(", ")}`} ` +
        "(limit: [core] dagbag_import_timeout; does the DAG file loop or wait at import?); the runner was killed"
      : names.length === 1
        ? `blocked the event loop of runner process ${runner.pid} for more than ${seconds}s (synchronous code that never yields?); the runner was killed`
        : `the event loop of runner process ${runner.pid} was blocked for more than ${seconds}s by one of the fn tries ${names.join(", ")} ` +
          "(which one cannot be told); the runner was killed and this try counts against its retries";
    const why =
      names.length === 0
        ? `runner process ${runner.pid} was killed because its event loop was blocked for more than ${seconds}s`
        : `runner process ${runner.pid} was killed because ${names.length === 1 ? names[0] : `one of ${names.join(", ")}`} blocked its event loop`;
    for (const entry of verdict.suspects) entry.verdict = { kind: "failed", error };
    for (const entry of verdict.innocents) entry.verdict = { kind: "lost", why };
    this.logger.warn(`${why}; ${verdict.innocents.length} other tries will run again`);
    runner.forceKill();
  }

  protected executeAsync(workload: Workload): void {
    if (this.#terminating) throw new Error(`executor "${this.name.name}" has been terminated; start() it again to run tries`);
    const isolation = this.#isolationOf(workload);
    let runner: RunnerHandle;
    if (isolation === "warm") {
      runner = this.#pool.pick();
    } else {
      runner = this.#takeSpare() ?? this.#spawnRunner();
      this.#oneShot.add(runner);
      this.#wantSpares = true; // the replacement starts in sync(), once this try has been sent
    }
    const entry: Try = { workload, runner };
    this.#tries.set(keyString(workload.key), entry);
    runner.run(workload);
    if (isolation === "process") runner.shutdown(); // exits once this one try is done
    if (workload.timeout !== null) {
      // The runner enforces the timeout; this only catches a runner whose event loop is stuck.
      const ms = Math.min(workload.timeout * 1000 + KILL_GRACE_MS + WATCHDOG_SLACK_MS, MAX_TIMER_MS);
      entry.watchdog = setTimeout(() => this.#watchdog(entry), ms);
      entry.watchdog.unref();
    }
  }

  sync(): void {
    // Runners push events over IPC as they happen; what this heartbeat started leaves now, one message per runner.
    for (const runner of this.#pool.runners) runner.flush();
    for (const runner of this.#oneShot) runner.flush();
    this.#fillSpares();
  }

  /** A spare runner, ready ones first (one still starting is sooner than a new one). */
  #takeSpare(): RunnerHandle | undefined {
    let pick: RunnerHandle | undefined;
    for (const spare of this.#spares) {
      if (!spare.alive) continue;
      if (pick === undefined || (spare.everReady && !pick.everReady)) pick = spare;
    }
    if (pick !== undefined) this.#spares.delete(pick);
    return pick;
  }

  #fillSpares(): void {
    if (!this.#wantSpares || this.#closing || this.#terminating) return;
    while (this.#spares.size < SPARE_RUNNERS) this.#spares.add(this.#spawnRunner());
  }

  #isolationOf(workload: Workload): Isolation {
    const requested = workload.executorConfig["isolation"];
    if (requested === undefined) return this.options.isolation;
    if ((ISOLATIONS as readonly unknown[]).includes(requested)) return requested as Isolation;
    throw new InvalidExecutorConfigError(
      this.name.name,
      "isolation",
      `executorConfig.isolation must be ${ISOLATIONS.map((i) => `"${i}"`).join(" or ")} for the LocalExecutor ` +
        `"${this.name.name}", got ${JSON.stringify(requested) ?? String(requested)}`,
    );
  }

  #spawnRunner(): RunnerHandle {
    const runner = new RunnerHandle(
      {
        onEvent: (runner, event) => this.#onRunnerEvent(runner, event),
        onExit: (runner, exit, orphans) => this.#onRunnerExit(runner, exit, orphans),
        warn: (message) => this.logger.warn(message),
        onReady: (runner) => this.#onRunnerReady(runner),
      },
      this.folders,
    );
    if (this.#leaseUntil !== null) runner.lease(this.#leaseUntil);
    return runner;
  }

  /** Every runner stops its tries by itself once the lease has run out without renewal. */
  override renewLease(until: number): void {
    const lapsed = this.#leaseUntil !== null && Date.now() > this.#leaseUntil;
    this.#leaseUntil = until;
    if (lapsed) this.#retireRunners();
    for (const runner of [...this.#pool.runners, ...this.#oneShot, ...this.#spares]) runner.lease(until);
  }

  /**
   * After a lapsed lease, runners that held tries are exiting on their own (or have, and this
   * process has not heard yet): a try sent to one would be lost. So none of the runners from
   * before gets another try; they exit once idle, and fresh ones take their place.
   */
  #retireRunners(): void {
    for (const runner of [...this.#pool.runners, ...this.#spares]) {
      this.#pool.remove(runner);
      this.#spares.delete(runner);
      this.#oneShot.add(runner);
      runner.shutdown();
    }
    if (this.#closing || this.#terminating) return;
    if (this.options.isolation === "warm") this.#pool.fill();
    this.#fillSpares();
  }

  /**
   * A warm runner is up: the tries that went to runners still starting (none was up when they
   * were sent) come to runners that are up instead, so none of them waits for another Node
   * start-up while this runner could run it (see RunnerPool.pick).
   */
  #onRunnerReady(ready: RunnerHandle): void {
    if (!this.#pool.runners.includes(ready)) return;
    for (const starting of this.#pool.runners) {
      for (const workload of starting.takeBackUnsent()) {
        const entry = this.#tries.get(keyString(workload.key));
        if (entry === undefined || entry.runner !== starting) continue;
        entry.runner = this.#pool.pick();
        entry.runner.run(workload);
      }
    }
  }

  #onRunnerEvent(runner: RunnerHandle, event: TaskEvent): void {
    const id = keyString(event.key);
    const entry = this.#tries.get(id);
    if (entry === undefined || entry.runner !== runner) {
      this.logger.debug(`dropped ${event.state} event of ${id}: not a try this executor is running`);
      return;
    }
    switch (event.state) {
      case "running":
        entry.running = true;
        if (event.info.pid !== undefined) entry.pid = event.info.pid;
        this.runningState(event.key, event.info);
        return;
      case "success":
      case "failed":
        this.#requeuedUnstarted.delete(tiString(event.key));
        this.#forget(id, entry);
        this.changeState(event.key, event.state, event.info);
        return;
      case "queued":
        this.changeState(event.key, event.state, event.info, false);
        return;
    }
  }

  /** A last line in a try's log, written here because its runner is gone. */
  #closingLine(workload: Workload, why: string): void {
    try {
      appendClosingLine(tryLogFile(this.folders.baseLogFolder, workload), why);
    } catch {
      // Its log path escapes the folder: its runner refused it and failed the try, saying so.
    }
  }

  #onRunnerExit(runner: RunnerHandle, exit: RunnerExit, orphans: Workload[]): void {
    const pooled = this.#pool.remove(runner);
    this.#oneShot.delete(runner);
    // A spare that dies is replaced by the next process-isolated try, not here: no restart loop.
    this.#spares.delete(runner);
    const leaseLost = exit.code === LEASE_EXPIRED_EXIT_CODE;
    const how = leaseLost
      ? "stopped its tries because the scheduler's lease ran out (another scheduler may run them again)"
      : exit.error !== undefined
      ? `could not be started (${errorLine(exit.error)})`
      : exit.signal !== null
        ? `exited with signal ${exit.signal}`
        : `exited with code ${exit.code ?? "unknown"}`;
    const stopped: TaskInstanceKey[] = [];
    const lost = new Map<string, TaskInstanceKey[]>();
    // Without a known cause, a try that never started did nothing to die for: it runs again, once.
    // Not when no other try was running: then its own start (importing its DAG file) may be the cause.
    const unexplained = !leaseLost && !this.#terminating && orphans.some((w) => this.#tries.get(keyString(w.key))?.running === true);
    for (const workload of orphans) {
      const id = keyString(workload.key);
      const entry = this.#tries.get(id);
      if (entry === undefined || entry.runner !== runner) continue;
      this.#forget(id, entry);
      // Its bash process group outlives the runner; do not leave it running unobserved.
      if (entry.pid !== undefined && entry.pid !== runner.pid) signalProcessGroup(entry.pid, "SIGKILL");
      if (leaseLost) {
        // Not failed: lost, like the tries of a scheduler declared dead (reported below).
        stopped.push(workload.key);
        continue;
      }
      const requeueUnstarted = unexplained && entry.running !== true && entry.verdict === undefined && !this.#requeuedUnstarted.has(tiString(workload.key));
      if (requeueUnstarted) this.#requeuedUnstarted.add(tiString(workload.key));
      const lostWhy =
        entry.verdict?.kind === "lost" ? entry.verdict.why : requeueUnstarted ? `runner process ${runner.pid} ${how} before this try started` : undefined;
      if (lostWhy !== undefined && !this.#terminating) {
        this.#closingLine(workload, `try lost: ${lostWhy}; it will run again as a new try`);
        lost.set(lostWhy, [...(lost.get(lostWhy) ?? []), workload.key]);
        continue;
      }
      const error = this.#terminating
        ? "killed: the executor was terminated"
        : entry.verdict?.kind === "failed"
          ? entry.verdict.error
          : entry.watchdogFired
          ? `timed out after ${workload.timeout}s and the runner did not stop it; runner process ${runner.pid} was killed`
          : `runner process ${runner.pid ?? "?"} ${how} while running this try`;
      this.#closingLine(workload, error);
      this.fail(workload.key, {
        error,
        hostname: hostname(),
        endDate: Date.now(),
        ...(entry.pid !== undefined ? { pid: entry.pid } : {}),
        ...(entry.watchdogFired ? { timedOut: true } : {}),
      });
    }
    // Only a warm runner is replaced: a process-isolated one exits after its try by design.
    if (!this.#closing && pooled && runner.everReady && this.options.isolation === "warm") {
      this.logger.warn(`runner process ${runner.pid} ${how}; starting a replacement`);
      this.#pool.fill();
    } else if (leaseLost) {
      this.logger.warn(`runner process ${runner.pid} ${how}`);
    }
    if (stopped.length > 0) this.triesLost(stopped, `runner process ${runner.pid} stopped it when the scheduler's lease ran out`);
    for (const [why, keys] of lost) this.triesLost(keys, why);
  }

  #watchdog(entry: Try): void {
    const id = keyString(entry.workload.key);
    if (this.#tries.get(id) !== entry) return;
    entry.watchdogFired = true;
    this.logger.warn(`${id} outlived its timeout and the runner did not stop it; killing runner ${entry.runner.pid}`);
    entry.runner.forceKill();
  }

  #forget(id: string, entry: Try): void {
    clearTimeout(entry.watchdog);
    this.#tries.delete(id);
  }

  /** Kill the try (its process group, or its fn's signal) without reporting anything for it; `reason` goes into its log. */
  override async revokeTask(ti: TaskInstanceRef, reason?: string): Promise<void> {
    await super.revokeTask(ti, reason);
    const id = keyString(ti.key);
    const entry = this.#tries.get(id);
    if (entry === undefined) return;
    this.#forget(id, entry);
    entry.runner.kill(ti.key, reason);
  }

  /** Run what is queued, wait for every try to report, then let the runners exit. */
  override async end(): Promise<void> {
    await super.end();
    this.#closing = true;
    clearInterval(this.#heartbeatCheck);
    const runners = [...this.#pool.runners, ...this.#oneShot, ...this.#spares];
    for (const runner of runners) runner.shutdown();
    await Promise.all(runners.map((runner) => this.#exitWithin(runner, SHUTDOWN_TIMEOUT_MS)));
  }

  /** Kill every try and runner now; each try in flight reports failed. */
  override async terminate(): Promise<void> {
    this.#closing = true;
    this.#terminating = true;
    clearInterval(this.#heartbeatCheck);
    // Killed before the first await: a caller on its way out (a second SIGTERM) exits right after this call.
    for (const entry of this.#tries.values()) {
      if (entry.pid !== undefined && entry.pid !== entry.runner.pid) signalProcessGroup(entry.pid, "SIGKILL");
    }
    const runners = [...this.#pool.runners, ...this.#oneShot, ...this.#spares];
    for (const runner of runners) runner.forceKill();
    await super.terminate();
    await Promise.all(runners.map((runner) => runner.exited));
  }

  async #exitWithin(runner: RunnerHandle, ms: number): Promise<void> {
    const timer = setTimeout(() => runner.forceKill(), ms);
    await runner.exited;
    clearTimeout(timer);
  }

  override debugDump(): Record<string, unknown> {
    return {
      ...super.debugDump(),
      options: this.options,
      runners: this.#pool.runners.map((r) => ({
        pid: r.pid,
        up: r.everReady,
        load: r.load,
        fnSlices: Object.fromEntries([...r.inflight.values()].flatMap((w) => {
          const phase = r.fnSlices.get(keyString(w.key));
          return phase === undefined ? [] : [[formatKey(w.key), phase]];
        })),
      })),
      oneShotRunners: [...this.#oneShot].map((r) => r.pid),
      spareRunners: [...this.#spares].map((r) => r.pid),
    };
  }
}
