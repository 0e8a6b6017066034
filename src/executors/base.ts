import { resolve } from "node:path";
import { errorLine } from "../common/errors.js";
import { keyString, type TaskInstanceKey } from "../common/keys.js";
import { EventState, type EventInfo, type RunnerFolders, type TaskEvent, type Workload } from "../common/workload.js";
import type { ExecutorName } from "../config/executor-names.js";
import { DEFAULT_BASE_LOG_FOLDER, DEFAULT_DAGS_FOLDER } from "../config/schema.js";
import { EXECUTOR_BRAND } from "./brand.js";
import { ExecutorOptionsError } from "./errors.js";
import { defaultExecutorLogger } from "./logger.js";
import type { SchedulerExecutor } from "./scheduler-executor.js";
import type { ExecutorContext, ExecutorLogger, TaskInstanceRef, TaskLog } from "./types.js";

export type { TaskLog } from "./types.js";

/**
 * The executor contract (Airflow's BaseExecutor, camelCased). The scheduler queues workloads,
 * calls `heartbeat()` each loop, and drains `getEventBuffer()`: executors only *report* events,
 * the scheduler alone writes task state. The scheduler uses only `SchedulerExecutor`; the maps
 * below are this class's and its subclasses' business.
 *
 * Departures from Airflow: `running` is a Map keyed by `keyString(key)` rather than a set of keys,
 * because a JavaScript Set compares objects by identity and two equal keys would both fit. Every
 * event carries its try's token, so the scheduler can tell a report of this try from one of a try
 * that was reset and sent again under the same try number.
 */
export abstract class BaseExecutor implements SchedulerExecutor {
  /** Recognised by the loader even when the subclass extends another copy of this module. */
  static readonly [EXECUTOR_BRAND] = true;

  readonly name: ExecutorName;
  /** Most tries this executor runs at once. Always >= 1. */
  readonly parallelism: number;
  /**
   * Whether a try runs outside the scheduler's process tree and outlives it (a worker fleet, a
   * pod). Such an executor is released, not revoked, when the scheduler loses its lease, and its
   * tries are adopted by external id afterwards. False: tries die with the scheduler (Local, Sequential).
   */
  readonly triesOutliveScheduler: boolean = false;
  /** Waiting to be triggered by `heartbeat()`, keyed by keyString. */
  protected readonly queuedTasks = new Map<string, Workload>();
  /** Triggered (or adopted) and not yet finished, keyed by keyString. */
  protected readonly running = new Map<string, TaskInstanceKey>();
  /** Reports not yet drained by the scheduler; a later event for the same try replaces an earlier one. */
  protected readonly eventBuffer = new Map<string, TaskEvent>();
  #jobId: number | null = null;
  /** The token of each try this executor holds, by keyString: stamped on its events. */
  readonly #tokens = new Map<string, string>();

  // Compatibility flags, with Airflow's BaseExecutor defaults.
  readonly isLocal: boolean = false;
  readonly isSingleThreaded: boolean = false;
  readonly isProduction: boolean = true;
  readonly servesLogs: boolean = false;
  readonly supportsAdHocRun: boolean = false;
  readonly supportsPickling: boolean = true;
  readonly supportsSentry: boolean = false;
  readonly changeSensorModeToReschedule: boolean = false;

  protected readonly home: string;
  /** Where tries started on this host find DAG files and write logs (workloads carry paths relative to them). */
  protected readonly folders: RunnerFolders;
  protected readonly logger: ExecutorLogger;
  readonly #listeners = new Set<() => void>();
  readonly #triesLostListeners = new Set<(keys: readonly TaskInstanceKey[], reason: string) => void>();

  /**
   * @param parallelism - this executor's limit; subclasses pass what their options compiled to.
   * @defaultValue `[core] parallelism`
   */
  constructor(context: ExecutorContext, parallelism: number = context.defaultParallelism) {
    this.name = context.name;
    this.home = context.home;
    // An executor built outside a loaded config (tests, custom hosts) gets the config's own defaults.
    this.folders = context.folders ?? { dagsFolder: resolve(context.home, DEFAULT_DAGS_FOLDER), baseLogFolder: resolve(context.home, DEFAULT_BASE_LOG_FOLDER) };
    this.logger = context.logger ?? defaultExecutorLogger(context.name.name);
    if (!Number.isInteger(parallelism) || parallelism <= 0) {
      throw new ExecutorOptionsError(
        context.name.name,
        "parallelism",
        `[executors.${context.name.name}] parallelism: must be an integer >= 1 (got ${String(parallelism)}); ` +
          `0 no longer means unlimited, as in Airflow 3`,
      );
    }
    this.parallelism = parallelism;
  }

  /** Free slots: parallelism minus running and queued tries; negative when more is queued than fits. */
  get slotsAvailable(): number {
    return this.parallelism - this.running.size - this.queuedTasks.size;
  }

  get slotsOccupied(): number {
    return this.running.size + this.queuedTasks.size;
  }

  /** The scheduler job this executor works for (null before the scheduler starts it). */
  protected get jobId(): number | null {
    return this.#jobId;
  }

  setJobId(id: number): void {
    this.#jobId = id;
  }

  /** Queue a workload for the next heartbeat; false (and nothing changes) when its key is already queued. */
  queueWorkload(workload: Workload): boolean {
    const id = keyString(workload.key);
    if (this.queuedTasks.has(id)) {
      this.logger.debug(`could not queue ${id}: already queued`);
      return false;
    }
    this.queuedTasks.set(id, workload);
    this.#tokens.set(id, workload.token);
    return true;
  }

  hasTask(key: TaskInstanceKey): boolean {
    const id = keyString(key);
    return this.queuedTasks.has(id) || this.running.has(id);
  }

  heldTries(): TaskInstanceKey[] {
    return [...[...this.queuedTasks.values()].map((w) => w.key), ...this.running.values()];
  }

  /**
   * Every running try: right for executors whose tries are children of the scheduler's process.
   * An executor whose tries run elsewhere returns only those whose worker or pod it knows to be
   * alive, and reports a try it knows to be lost as failed, with the reason.
   */
  liveTries(): TaskInstanceKey[] {
    return [...this.running.values()];
  }

  /** The id the try will have in the engine, if it is known before sending (e.g. a job id derived from the key). */
  externalIdFor(_workload: Workload): string | null {
    return null;
  }

  /** Trigger as many queued tries as there are open slots, highest priority first, then sync. */
  async heartbeat(): Promise<void> {
    const open = this.parallelism - this.running.size;
    if (open > 0 && this.queuedTasks.size > 0) await this.triggerTasks(open);
    await this.sync();
  }

  /** Queued workloads, highest priorityWeight first; equal weights keep their queueing order. */
  orderQueuedTasksByPriority(): Workload[] {
    return [...this.queuedTasks.values()].sort((a, b) => b.priorityWeight - a.priorityWeight);
  }

  protected async triggerTasks(openSlots: number): Promise<void> {
    for (const workload of this.orderQueuedTasksByPriority().slice(0, openSlots)) {
      const id = keyString(workload.key);
      this.queuedTasks.delete(id);
      this.running.set(id, workload.key);
      try {
        await this.executeAsync(workload);
      } catch (error) {
        this.fail(workload.key, { error: errorLine(error) });
      }
    }
  }

  /** Buffer an event for the scheduler, stamped with the try's token, and wake its listeners. */
  changeState(key: TaskInstanceKey, state: EventState, info: EventInfo = {}, removeRunning = true): void {
    const id = keyString(key);
    if (removeRunning) this.running.delete(id);
    const token = this.#tokens.get(id);
    // A try that has ended needs its token no more; one still queued here keeps it for its own events.
    if ((state === EventState.SUCCESS || state === EventState.FAILED) && !this.queuedTasks.has(id)) this.#tokens.delete(id);
    this.eventBuffer.set(id, token === undefined ? { key, state, info } : { key, state, info, token });
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch (error) {
        this.logger.error(`event listener threw: ${errorLine(error)}`);
      }
    }
  }

  success(key: TaskInstanceKey, info: EventInfo = {}): void {
    this.changeState(key, EventState.SUCCESS, info);
  }

  fail(key: TaskInstanceKey, info: EventInfo = {}): void {
    this.changeState(key, EventState.FAILED, info);
  }

  queued(key: TaskInstanceKey, info: EventInfo = {}): void {
    this.changeState(key, EventState.QUEUED, info);
  }

  /** The try has started; it stays in `running`. */
  runningState(key: TaskInstanceKey, info: EventInfo = {}): void {
    this.changeState(key, EventState.RUNNING, info, false);
  }

  /** Return and remove buffered events: all of them, or only those of the given DAGs. */
  getEventBuffer(dagIds?: ReadonlySet<string>): TaskEvent[] {
    const events: TaskEvent[] = [];
    for (const [id, event] of this.eventBuffer) {
      if (dagIds !== undefined && !dagIds.has(event.key.dagId)) continue;
      events.push(event);
      this.eventBuffer.delete(id);
    }
    return events;
  }

  /**
   * Call `listener` (synchronously; keep it cheap) whenever an event is buffered, so the
   * scheduler can wake at once instead of sleeping. Returns a function that unsubscribes.
   */
  onEvent(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Call `listener` when tries of this executor stopped by themselves because the lease handed to
   * `renewLease()` ran out: they end with no event, and the scheduler runs them again as a peer
   * would (a new try, not counted against retries). It may not have noticed its lease run out: it
   * renewed it a moment too late for a runner that had already acted. Returns a function that
   * unsubscribes.
   */
  onTriesLost(listener: (keys: readonly TaskInstanceKey[], reason: string) => void): () => void {
    this.#triesLostListeners.add(listener);
    return () => this.#triesLostListeners.delete(listener);
  }

  /** Untrack tries that stopped because the lease ran out, and tell the scheduler (see onTriesLost). */
  protected triesLost(keys: readonly TaskInstanceKey[], reason: string): void {
    for (const key of keys) this.untrack(key);
    for (const listener of this.#triesLostListeners) {
      try {
        listener(keys, reason);
      } catch (error) {
        this.logger.error(`tries-lost listener threw: ${errorLine(error)}`);
      }
    }
  }

  /** Resolves at the next buffered event (true) or after `timeoutMs` (false). */
  protected nextEvent(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(false);
      }, timeoutMs);
      const off = this.onEvent(() => {
        clearTimeout(timer);
        off();
        resolve(true);
      });
    });
  }

  /** Start the workload's try. Runs inside `heartbeat()`; a throw fails that try only. */
  protected abstract executeAsync(workload: Workload): Promise<void> | void;

  /** Collect state from the engine into the event buffer (a no-op for executors that push events). */
  abstract sync(): Promise<void> | void;

  /**
   * Begin what is slow to start and needs neither the database nor a job id (processes to boot),
   * so that it overlaps the scheduler's own start-up; `start()` is still called and finishes the job.
   * Must be safe to skip, and must leave nothing behind that `terminate()` does not stop.
   */
  warmUp(): void {}

  start(): Promise<void> | void {}

  /**
   * Graceful stop: run what is queued, wait for every running try to report, then release
   * resources. An executor whose tries outlive the scheduler waits for none of them: it releases
   * them (the next scheduler adopts them; a workload never sent is reset by it and runs again).
   */
  async end(): Promise<void> {
    if (this.triesOutliveScheduler) return this.#releaseAndClose();
    while (this.queuedTasks.size > 0 || this.running.size > 0) {
      // Subscribe before the heartbeat: an event it buffers synchronously must not be missed.
      const next = this.nextEvent(1_000);
      await this.heartbeat();
      await next;
    }
  }

  /**
   * Stop now: drop what is queued and kill what runs (subclasses kill their engine's work). An
   * executor whose tries outlive the scheduler kills none of them: as end(), it releases them.
   */
  terminate(): Promise<void> | void {
    if (this.triesOutliveScheduler) return this.#releaseAndClose();
    for (const id of this.queuedTasks.keys()) if (!this.running.has(id)) this.#tokens.delete(id);
    this.queuedTasks.clear();
  }

  /**
   * Take over tries a dead scheduler's executor started, by `ti.externalExecutorId`; returns the
   * ones NOT adopted (the scheduler resets those). Register each adopted try with `trackAdopted`.
   */
  async tryAdoptTaskInstances(tis: TaskInstanceRef[]): Promise<TaskInstanceRef[]> {
    return tis;
  }

  /** Hold an adopted try as running: its events go to the scheduler like those of a try sent here, stamped with `token` when known. */
  protected trackAdopted(key: TaskInstanceKey, token?: string): void {
    const id = keyString(key);
    this.running.set(id, key);
    if (token !== undefined) this.#tokens.set(id, token);
  }

  /**
   * Forget every try without touching the engine and without events: the scheduler lost its lease
   * (or is stopping) and the tries, which outlive it, are left for a scheduler to adopt. Called
   * only on executors whose `triesOutliveScheduler` is true. Events already buffered stay, for
   * the scheduler to apply (each is fenced by try number and token).
   */
  releaseAll(): Promise<void> | void {
    this.queuedTasks.clear();
    this.running.clear();
    this.#tokens.clear();
  }

  /**
   * Release the engine's connections, watches and timers. Called by end() and terminate() of an
   * executor whose tries outlive the scheduler, after releaseAll(); the default has none.
   */
  protected close(): Promise<void> | void {}

  async #releaseAndClose(): Promise<void> {
    await this.releaseAll();
    await this.close();
  }

  /**
   * The scheduler's lease, renewed each time it records a heartbeat: past `until` (epoch ms) a
   * peer may declare it dead and re-run its tries. An executor whose tries run beside the
   * scheduler can hand the deadline to them, so they stop on time even if the scheduler freezes.
   * Optional; the default does nothing.
   */
  renewLease(_until: number): void {}

  /**
   * Stop tracking (and, where the engine allows, cancel) a try stuck in queued. Must not change
   * state or emit events: the scheduler decides what happens to the task instance. `reason`, when
   * given, says why, for the try's log.
   */
  async revokeTask(ti: TaskInstanceRef, _reason?: string): Promise<void> {
    this.untrack(ti.key);
  }

  /** Forget a try without an event: it is neither queued nor running here any more. */
  protected untrack(key: TaskInstanceKey): void {
    const id = keyString(key);
    this.queuedTasks.delete(id);
    this.running.delete(id);
    this.#tokens.delete(id);
  }

  async getTaskLog(_ti: TaskInstanceRef, _tryNumber: number): Promise<TaskLog> {
    return { messages: [], lines: [] };
  }

  debugDump(): Record<string, unknown> {
    return {
      executor: this.toString(),
      jobId: this.#jobId,
      triesOutliveScheduler: this.triesOutliveScheduler,
      queued: [...this.queuedTasks.keys()],
      running: [...this.running.keys()],
      bufferedEvents: this.eventBuffer.size,
    };
  }

  toString(): string {
    return `${this.constructor.name}(name=${this.name.name}, parallelism=${this.parallelism})`;
  }
}
