import { randomUUID } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { hostname } from "node:os";
import { Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { errorLine } from "../common/errors.js";
import { formatKey, keyString, type TaskInstanceKey } from "../common/keys.js";
import { tryLogFile, type EventInfo, type RunnerFolders, type TaskEvent, type Workload } from "../common/workload.js";
import { createRedis, redisErrorLine, redisWhere, waitForRedis } from "../executors/bullmq/connection.js";
import { jobIdFor, type TryProgress, type TryResult } from "../executors/bullmq/jobs.js";
import type { CompiledBullMQExecutorOptions } from "../executors/bullmq/options.js";
import { StreamWake } from "../executors/bullmq/stream-wake.js";
import { readWorkers, revokeField, revokeKey, workerAlive, writeWorker, WorkerState, type WorkerRecord } from "../executors/bullmq/worker-registry.js";
import { LocalExecutor } from "../executors/local.js";
import type { ExecutorLogger, TaskInstanceRef } from "../executors/types.js";
import { describeIssues, workloadSchema } from "../runner/workload-schema.js";

const HOST = hostname();

/** Largest piece of a try's log shipped to Redis in one write. */
const LOG_CHUNK_BYTES = 256 * 1024;

/** Most jobs asked of one queue at once (the first ask is one; each ask that came back full doubles the next). */
const MAX_FETCH_BATCH = 64;

/**
 * How long a try's running event waits before it is written as its job's progress. A try that
 * ends first (most no-op and short tries) has its start carried by its completion instead: one
 * Redis call, one event-stream entry for every stream reader and one parse in the scheduler fewer.
 * The scheduler hears of a longer try's start this much later.
 */
const RUNNING_WRITE_DELAY_MS = 20;

/**
 * BullMQ's addLog (append to `<job>:logs` only while the job exists, so a removed job leaves no
 * orphan list), as a plain EVAL: ioredis writes it at once, so it reaches Redis before a command
 * issued after it on the same connection (the job's completion), without waiting for its reply.
 */
const ADD_LOG_LUA = `if redis.call("EXISTS", KEYS[1]) == 1 then return redis.call("RPUSH", KEYS[2], ARGV[1]) end return -1`;

export interface FleetWorkerOptions {
  /** Worker name: unique among the live workers of one prefix. */
  readonly name: string;
  readonly queues: readonly string[];
  readonly concurrency: number;
  /** The BullMQExecutor section this worker serves (its Redis, prefix and worker_timeout). */
  readonly executor: string;
  readonly bullmq: CompiledBullMQExecutorOptions;
  /** This machine's dags folder and base log folder. */
  readonly folders: RunnerFolders;
  readonly home: string;
  readonly logger: ExecutorLogger;
}

/** A try this worker holds: its BullMQ job, the lock token, and how much of its log has been shipped. */
interface Held {
  readonly job: Job;
  readonly token: string;
  readonly queue: string;
  readonly workload: Workload;
  readonly logFile: string;
  logShipped: number;
  /** Writes to the job, in order (progress before completion). */
  chain: Promise<void>;
  /** Set when the try was stopped here for a reason the job should carry (revoked, lock lost). */
  stopped?: string;
}

/**
 * `switchyard worker`: takes tries from BullMQ queues and runs them in warm runner processes.
 *
 * One concurrency limit over every queue it serves. A BullMQ Worker's own `concurrency` is per
 * queue (per Worker instance), so N queues would run up to N × concurrency tries; instead this
 * fetches jobs by hand (`getNextJob(token, { block: false })`, BullMQ's manual processing), never
 * more than the free slots, taking turns across queues, and sleeps on the queues' event streams
 * (StreamWake) when all are empty. Fetches to one queue go out together (one round trip for many
 * jobs), as many as the last ask showed the queue may hold: an empty queue costs one call a wake. The runners are an embedded LocalExecutor whose
 * parallelism is the concurrency: the same warm runners, blocked-runner detection and kill paths
 * as on the scheduler's machine.
 *
 * Locks: each held job's BullMQ lock lasts `worker_timeout` and is renewed every heartbeat with
 * the worker's record (worker-registry.ts). A renewal that fails means the job is no longer ours
 * (the executor declared this worker lost, or Redis lost the job): the try is killed, not
 * reported. BullMQ's stalled-job checker is not run (`skipStalledCheck`, `maxStalledCount: 0`): a
 * stalled try must not run again on another worker; the executor fails it and the scheduler's
 * retries decide.
 *
 * It never opens the metadata database.
 */
export class FleetWorker {
  readonly #o: FleetWorkerOptions;
  readonly #redis: Redis;
  readonly #wake: StreamWake;
  readonly #workers = new Map<string, TakingWorker>();
  readonly #local: LocalExecutor;
  readonly #held = new Map<string, Held>();
  readonly #startedAt = Date.now();
  #state: WorkerState = WorkerState.RUNNING;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #heartbeating: Promise<void> | null = null;
  #fetching: Promise<void> | null = null;
  #redisDown = false;
  #idle: Array<() => void> = [];
  /** Aborted by a signal that comes while start() still waits for Redis: nothing was taken, so there is nothing to drain. */
  readonly #stopWaiting = new AbortController();
  #waitingForRedis = false;
  /** Per queue: how many jobs to ask for next (see MAX_FETCH_BATCH). */
  readonly #batch = new Map<string, number>();
  /** Running events not yet written as progress, by keyString (see RUNNING_WRITE_DELAY_MS). */
  readonly #startsToWrite = new Map<string, EventInfo>();
  #startsTimer: NodeJS.Timeout | undefined;

  constructor(options: FleetWorkerOptions) {
    this.#o = options;
    this.#redis = createRedis(options.bullmq, `worker-${options.name}`);
    this.#wake = new StreamWake(createRedis(options.bullmq, `worker-${options.name}-events`), { lazy: true });
    this.#local = new LocalExecutor({
      name: { raw: "LocalExecutor", alias: null, className: "LocalExecutor", modulePath: null, modulePathAsWritten: null, name: `worker ${options.name}` },
      options: { parallelism: options.concurrency },
      defaultParallelism: options.concurrency,
      home: options.home,
      folders: options.folders,
      logger: options.logger,
    });
    this.#local.onEvent(() => this.#drainEvents());
    this.#local.onTriesLost((keys, why) => {
      for (const key of keys) this.#finish(keyString(key), { state: "failed", info: { error: `lost on worker ${options.name}: ${why}`, endDate: Date.now(), hostname: HOST } });
    });
  }

  get heartbeatMs(): number {
    return Math.max(200, Math.min(5_000, Math.floor(this.#o.bullmq.workerTimeoutMs / 5)));
  }

  /** Wait for Redis, register, start the runners and take tries until `drain()` or `kill()`. */
  async start(): Promise<void> {
    this.#waitingForRedis = true;
    await waitForRedis(this.#redis, this.#o.bullmq, (line) => this.#o.logger.warn(line), this.#stopWaiting.signal);
    this.#waitingForRedis = false;
    if (this.#stopWaiting.signal.aborted) return;
    try {
      await this.#refuseDuplicateName();
    } catch (error) {
      // Refused before taking anything: close the connections, or they would keep the process alive.
      await this.#abandon();
      throw error;
    }
    for (const queue of this.#o.queues) {
      const worker = new TakingWorker(queue, null, {
        connection: this.#redis,
        prefix: this.#o.bullmq.prefix,
        autorun: false,
        name: this.#o.name,
        lockDuration: this.#o.bullmq.workerTimeoutMs,
        skipLockRenewal: true,
        skipStalledCheck: true,
        maxStalledCount: 0,
      });
      worker.on("error", (error: Error) => this.#o.logger.debug(`queue ${queue}: ${redisErrorLine(error, this.#o.bullmq)}`));
      this.#workers.set(queue, worker);
      await this.#wake.watch(worker.keys["events"]!);
    }
    this.#local.start();
    await this.#heartbeat();
    this.#heartbeatTimer = setInterval(() => void this.#heartbeat(), this.heartbeatMs);
    this.#fetching = this.#fetchLoop();
    this.#o.logger.info(
      `worker ${this.#o.name} on ${HOST} (pid ${process.pid}) serves queues ${this.#o.queues.join(", ")} of executor ${this.#o.executor} ` +
        `(${redisWhere(this.#o.bullmq)}, prefix ${this.#o.bullmq.prefix}) with concurrency ${this.#o.concurrency}`,
    );
  }

  /** Another live worker under this prefix with the same name would make both unaccountable. */
  async #refuseDuplicateName(): Promise<void> {
    const records = await readWorkers(this.#redis, this.#o.bullmq.prefix);
    const same = records.find((r) => r.name === this.#o.name);
    if (same !== undefined && workerAlive(same, Date.now(), this.#o.bullmq.workerTimeoutMs) && !(same.hostname === HOST && same.pid === process.pid)) {
      throw new Error(
        `a live worker named ${this.#o.name} already runs on ${same.hostname} (pid ${same.pid}, heartbeat ${Math.round((Date.now() - same.lastHeartbeat) / 1000)} s ago); ` +
          "give this one another --name",
      );
    }
  }

  get free(): number {
    return this.#o.concurrency - this.#held.size;
  }

  async #fetchLoop(): Promise<void> {
    const queues = [...this.#workers.entries()];
    let turn = 0;
    while (this.#state === WorkerState.RUNNING) {
      const seq = this.#wake.seq;
      let took = 0;
      try {
        for (let i = 0; i < queues.length && this.free > 0 && this.#state === WorkerState.RUNNING; i++) {
          const [queue, worker] = queues[(turn + i) % queues.length]!;
          const ask = Math.min(this.free, this.#batch.get(queue) ?? 1);
          const tokens = Array.from({ length: ask }, () => `${this.#o.name}:${randomUUID()}`);
          // Every fetch is a job moved to active under its token: each is accepted (or failed), none dropped.
          const jobs = await Promise.allSettled(tokens.map((token) => worker.getNextJob(token, { block: false })));
          let got = 0;
          let failure: unknown = null;
          for (let j = 0; j < jobs.length; j++) {
            const fetched = jobs[j]!;
            if (fetched.status === "rejected") failure ??= fetched.reason;
            else if (fetched.value !== undefined) {
              got++;
              await this.#accept(queue, fetched.value, tokens[j]!);
            }
          }
          if (failure !== null) throw failure;
          took += got;
          this.#batch.set(queue, got === ask ? Math.min(MAX_FETCH_BATCH, ask * 2) : 1);
        }
        turn++;
        if (this.#redisDown) {
          this.#redisDown = false;
          this.#o.logger.info("Redis answers again");
        }
      } catch (error) {
        if (!this.#redisDown) this.#o.logger.warn(`cannot take tries: ${redisErrorLine(error, this.#o.bullmq)}`);
        this.#redisDown = true;
      }
      // Full: only a freed slot (a poke) can give it work, so the queues' streams need not be read.
      if (this.free <= 0) await this.#wake.waitForChange(seq, 1_000, { streams: false });
      else if (took === 0) await this.#wake.waitForChange(seq, 1_000);
    }
  }

  async #accept(queue: string, job: Job, token: string): Promise<void> {
    const fail = async (why: string) => {
      this.#o.logger.error(`job ${job.id} on queue ${queue}: ${why}`);
      await job.moveToFailed(new Error(`worker ${this.#o.name} on ${HOST}: ${why}`), token, false);
    };
    if (job.deferredFailure) {
      await fail(job.deferredFailure);
      return;
    }
    const parsed = workloadSchema.safeParse(job.data);
    if (!parsed.success) {
      await fail(`could not parse the job message as a try: ${describeIssues(parsed.error, "data")}`);
      return;
    }
    const workload = parsed.data as Workload;
    if (job.id !== jobIdFor(workload.key)) {
      await fail(`the job id ${job.id} is not the id of the try it carries (${jobIdFor(workload.key)})`);
      return;
    }
    let logFile: string;
    try {
      logFile = tryLogFile(this.#o.folders.baseLogFolder, workload);
    } catch (error) {
      await fail(errorLine(error));
      return;
    }
    const id = keyString(workload.key);
    if (this.#held.has(id)) {
      await fail(`this worker already runs ${formatKey(workload.key)}`);
      return;
    }
    const held: Held = { job, token, queue, workload, logFile, logShipped: 0, chain: Promise.resolve() };
    this.#held.set(id, held);
    // No write to say this worker holds the try: the take recorded it (BullMQ's `pb`, the worker's
    // name), which is what the executor reads to watch this worker's heartbeat for it.
    this.#local.queueWorkload(workload);
    void this.#local.heartbeat();
  }

  #progress(state: TryProgress["state"], info?: EventInfo): TryProgress {
    return { state, worker: this.#o.name, hostname: HOST, ...(info !== undefined ? { info } : {}) };
  }

  /** Queue a write to a held try's job after the ones before it; a failure is logged, the try goes on. */
  #write(held: Held, write: () => Promise<unknown>): Promise<void> {
    held.chain = held.chain.then(write).then(
      () => undefined,
      (error: unknown) => this.#o.logger.warn(`job ${held.job.id}: ${redisErrorLine(error, this.#o.bullmq)}`),
    );
    return held.chain;
  }

  #drainEvents(): void {
    for (const event of this.#local.getEventBuffer()) this.#onTryEvent(event);
  }

  #onTryEvent(event: TaskEvent): void {
    const id = keyString(event.key);
    if (!this.#held.has(id)) return;
    if (event.state === "running") {
      this.#startsToWrite.set(id, event.info);
      this.#startsTimer ??= setTimeout(() => this.#writeStarts(), RUNNING_WRITE_DELAY_MS);
    } else if (event.state === "success" || event.state === "failed") {
      this.#finish(id, { state: event.state, info: event.info });
    }
  }

  /** Write the running progress of the tries that started RUNNING_WRITE_DELAY_MS ago and still run. */
  #writeStarts(): void {
    this.#startsTimer = undefined;
    for (const [id, info] of this.#startsToWrite) {
      const held = this.#held.get(id);
      if (held !== undefined) this.#write(held, () => held.job.updateProgress(this.#progress("running", info)));
    }
    this.#startsToWrite.clear();
  }

  /**
   * Ship the rest of the try's log, then complete its job with the outcome; the slot frees once
   * that is written. Log and completion go out together (one round trip, in that order on the one
   * connection), without waiting for the progress writes before them: a progress that lands after
   * the completion changes nothing (the executor reads the end first).
   */
  #finish(id: string, outcome: Omit<TryResult, "worker" | "running">): void {
    const held = this.#held.get(id);
    if (held === undefined) return;
    const info = held.stopped !== undefined && outcome.state === "failed" ? { ...outcome.info, error: held.stopped } : outcome.info;
    // A start not written yet travels in the result (the executor reports it before the end).
    const running = this.#startsToWrite.get(id);
    this.#startsToWrite.delete(id);
    // Built from events the runner protocol has validated: no second parse.
    const result: TryResult = { state: outcome.state, worker: this.#o.name, info, ...(running !== undefined ? { running } : {}) };
    const shipped = this.#shipLog(held);
    // A worker of one queue takes that queue's next job in the completion's own script, as BullMQ's
    // workers do: the freed slot is refilled without another round trip. With several queues the
    // fetch loop refills it, so that the queues keep taking turns.
    const takeNext = this.#workers.size === 1 && this.#state === WorkerState.RUNNING;
    const completed = held.job.moveToCompleted(result, held.token, takeNext);
    let next: unknown;
    held.chain = Promise.all([held.chain, shipped, completed]).then(
      ([, , taken]) => {
        next = taken;
      },
      (error: unknown) => this.#o.logger.warn(`job ${held.job.id}: ${redisErrorLine(error, this.#o.bullmq)}`),
    );
    void held.chain.finally(async () => {
      // The job taken is active under this token whatever happens now: accept it (or fail it), never drop it.
      let taken: Job | undefined;
      if (next !== undefined) {
        try {
          taken = await this.#workers.get(held.queue)!.takeFetched(next, held.token);
        } catch (error) {
          this.#o.logger.warn(`taking the next job of queue ${held.queue}: ${redisErrorLine(error, this.#o.bullmq)}`);
        }
      }
      // The slot passes to the job taken in the same tick (accept holds it before its first await),
      // so the fetch loop never sees it free in between.
      if (this.#held.get(id) === held) this.#held.delete(id);
      const accepted = taken !== undefined ? this.#accept(held.queue, taken, held.token) : Promise.resolve();
      this.#o.logger.info(`${formatKey(held.workload.key)}: ${result.state}${result.info.error !== undefined ? ` (${result.info.error})` : ""}`);
      await accepted.catch((error: unknown) => this.#o.logger.warn(`job ${taken?.id}: ${redisErrorLine(error, this.#o.bullmq)}`));
      this.#slotFreed();
    });
  }

  #slotFreed(): void {
    this.#wake.poke();
    if (this.#held.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  /**
   * Append what the try wrote to its log since the last call to the job's BullMQ log (whole lines,
   * unless it is over). The writes are issued before this returns (see ADD_LOG_LUA); what fails
   * to be written is shipped again by the next call.
   */
  #shipLog(held: Held, wholeLinesOnly = false): Promise<void> {
    let fd: number;
    try {
      fd = openSync(held.logFile, "r");
    } catch {
      return Promise.resolve(); // not created yet
    }
    const writes: Array<Promise<unknown>> = [];
    const from = held.logShipped;
    try {
      // Sized to what is there: a fresh 256 KiB buffer per try was most of the worker's garbage.
      const size = fstatSync(fd).size;
      for (;;) {
        const length = Math.min(LOG_CHUNK_BYTES, size - held.logShipped);
        if (length <= 0) break;
        const buffer = Buffer.allocUnsafe(length);
        const n = readSync(fd, buffer, 0, length, held.logShipped);
        if (n === 0) break;
        let chunk = buffer.subarray(0, n);
        if (wholeLinesOnly || n === LOG_CHUNK_BYTES) {
          const end = chunk.lastIndexOf(0x0a);
          if (end < 0) break;
          chunk = chunk.subarray(0, end + 1);
        }
        const jobKey = this.#workers.get(held.queue)!.toKey(String(held.job.id));
        writes.push(this.#redis.eval(ADD_LOG_LUA, 2, jobKey, `${jobKey}:logs`, chunk.toString("utf8")));
        held.logShipped += chunk.length;
      }
    } finally {
      closeSync(fd);
    }
    return Promise.all(writes).then(
      () => undefined,
      (error: unknown) => {
        held.logShipped = Math.min(held.logShipped, from);
        throw error;
      },
    );
  }

  async #heartbeat(): Promise<void> {
    if (this.#heartbeating !== null) return;
    this.#heartbeating = (async () => {
      try {
        const records = await readWorkers(this.#redis, this.#o.bullmq.prefix);
        await writeWorker(this.#redis, this.#o.bullmq.prefix, this.record(), records);
        await this.#renewLocks();
        await this.#applyRevocations();
        for (const held of this.#held.values()) if (held.stopped === undefined) void this.#write(held, () => this.#shipLog(held, true));
      } catch (error) {
        if (!this.#redisDown) this.#o.logger.warn(`heartbeat: ${redisErrorLine(error, this.#o.bullmq)}`);
        this.#redisDown = true;
      } finally {
        this.#heartbeating = null;
      }
    })();
    await this.#heartbeating;
  }

  record(): WorkerRecord {
    return {
      name: this.#o.name,
      hostname: HOST,
      pid: process.pid,
      queues: [...this.#o.queues],
      concurrency: this.#o.concurrency,
      running: [...this.#held.values()].map((h) => ({ queue: h.queue, jobId: String(h.job.id) })),
      lastHeartbeat: Date.now(),
      startedAt: this.#startedAt,
      state: this.#state,
    };
  }

  /** Renew every held job's lock; a job whose lock is gone is no longer this worker's to run. */
  async #renewLocks(): Promise<void> {
    const byQueue = new Map<string, Held[]>();
    for (const held of this.#held.values()) if (held.stopped === undefined) byQueue.set(held.queue, [...(byQueue.get(held.queue) ?? []), held]);
    for (const [queue, helds] of byQueue) {
      const failed = new Set(
        await this.#workers.get(queue)!.extendJobLocks(
          helds.map((h) => String(h.job.id)),
          helds.map((h) => h.token),
          this.#o.bullmq.workerTimeoutMs,
        ),
      );
      for (const held of helds) {
        if (!failed.has(String(held.job.id))) continue;
        const why = "its BullMQ job is no longer held by this worker (the executor declared it lost, or Redis lost the job); killed, not reported";
        this.#o.logger.warn(`${formatKey(held.workload.key)}: ${why}`);
        this.#held.delete(keyString(held.workload.key));
        await this.#local.revokeTask(refOf(held.workload.key, queue), why);
        this.#slotFreed();
      }
    }
  }

  /** Stop the tries the executor revoked while they ran; their jobs are completed as failed with the reason. */
  async #applyRevocations(): Promise<void> {
    const helds = [...this.#held.values()].filter((h) => h.stopped === undefined);
    if (helds.length === 0) return;
    const fields = helds.map((h) => revokeField(h.queue, String(h.job.id)));
    const reasons = await this.#redis.hmget(revokeKey(this.#o.bullmq.prefix), ...fields);
    for (let i = 0; i < helds.length; i++) {
      const reason = reasons[i];
      if (reason === null || reason === undefined) continue;
      const held = helds[i]!;
      held.stopped = `revoked: ${reason}`;
      this.#o.logger.warn(`${formatKey(held.workload.key)}: ${held.stopped}`);
      await this.#local.revokeTask(refOf(held.workload.key, held.queue), held.stopped);
      this.#finish(keyString(held.workload.key), { state: "failed", info: { error: held.stopped, endDate: Date.now(), hostname: HOST } });
      await this.#redis.hdel(revokeKey(this.#o.bullmq.prefix), fields[i]!);
    }
  }

  /** SIGTERM: take no new tries, finish those held, then stop. */
  async drain(): Promise<void> {
    if (this.#waitingForRedis) return this.#abandon();
    if (this.#state !== WorkerState.RUNNING) return;
    this.#state = WorkerState.DRAINING;
    this.#wake.poke();
    await this.#fetching;
    await this.#heartbeat();
    if (this.#held.size > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
    await this.#stop();
  }

  /** Second SIGTERM or SIGINT: kill the tries; each is completed as failed (the scheduler's retries apply). */
  async kill(): Promise<void> {
    if (this.#waitingForRedis) return this.#abandon();
    this.#state = WorkerState.DRAINING;
    this.#wake.poke();
    for (const held of this.#held.values()) held.stopped ??= `killed: worker ${this.#o.name} on ${HOST} was stopped (SIGINT or a second SIGTERM)`;
    await this.#local.terminate();
    this.#drainEvents();
    // The terminate above reported every try failed; wait (briefly) for those reports to be written.
    await Promise.race([Promise.all([...this.#held.values()].map((h) => h.chain)), new Promise((r) => setTimeout(r, 3_000))]);
    await this.#stop();
  }

  /** Stop while still waiting for Redis: never registered, holds nothing. */
  async #abandon(): Promise<void> {
    this.#state = WorkerState.STOPPED;
    this.#stopWaiting.abort();
    await this.#wake.stop();
    this.#redis.disconnect();
  }

  async #stop(): Promise<void> {
    this.#state = WorkerState.STOPPED;
    clearInterval(this.#heartbeatTimer);
    clearTimeout(this.#startsTimer);
    await this.#heartbeating;
    await this.#fetching;
    await writeWorker(this.#redis, this.#o.bullmq.prefix, this.record()).catch(() => undefined);
    await this.#local.end().catch(() => undefined);
    await Promise.all([...this.#workers.values()].map((w) => w.close(true).catch(() => undefined)));
    await this.#wake.stop();
    this.#redis.disconnect();
  }
}

/** A BullMQ Worker that turns the next job a completion took (`fetchNext`) into a Job, as BullMQ's own loop does. */
class TakingWorker extends Worker {
  takeFetched(raw: unknown, token: string): Promise<Job | undefined> {
    if (!Array.isArray(raw) || raw[0] === undefined || raw[0] === null || raw[0] === 0) return Promise.resolve(undefined);
    return this.nextJobFromJobData(raw[0], raw[1] as string, token);
  }
}

function refOf(key: TaskInstanceKey, queue: string): TaskInstanceRef {
  return { key, state: "running", externalExecutorId: null, queue, pid: null, hostname: null };
}
