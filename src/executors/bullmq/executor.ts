import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { keyString, type TaskInstanceKey } from "../../common/keys.js";
import type { Workload } from "../../common/workload.js";
import { workloadSchema } from "../../runner/workload-schema.js";
import { BaseExecutor, type TaskLog } from "../base.js";
import type { ExecutorContext, TaskInstanceRef } from "../types.js";
import { createRedis, notReadyWithin, redisErrorLine } from "./connection.js";
import { bullmqPriority, jobIdFor, keyOfJobId, KEEP_FINISHED_JOBS_SECONDS, TRY_JOB_NAME, tryProgressSchema, tryResultSchema, type TryProgress } from "./jobs.js";
import { compileBullMQExecutorOptions, type CompiledBullMQExecutorOptions } from "./options.js";
import { StreamWake, type JobEvent } from "./stream-wake.js";
import { lostWorkerReason, readWorkers, revokeField, revokeKey, workerAlive, type WorkerRecord } from "./worker-registry.js";

/**
 * The executor looks at every job it tracks, and at the worker records, at least this often,
 * whatever the event streams say (timeouts, lost workers, vanished jobs, sends to retry). In
 * between it looks only at the jobs the streams named.
 */
const POLL_MS = 1_000;

/**
 * A job missing from Redis for this long (several worker heartbeats) is taken as gone for good:
 * by then a worker that still ran it has failed to renew its lock, killed it and said so in its record.
 */
const VANISHED_GRACE_MS = 3_000;

/** How long getTaskLog waits for a Redis it connects to just for the log. */
const LOG_CONNECT_TIMEOUT_MS = 5_000;
/** How long adoption waits for Redis before leaving its orphans to the scheduler's next check. */
const ADOPTION_LOOKUP_WAIT_MS = 5_000;

const unreadable = (why: string): TaskLog => ({ messages: [why], lines: [], error: why });

/**
 * The hash fields of a BullMQ job the executor reads (BullMQ's names; see worker-registry.ts for
 * the key layout). `pb` ("processed by") is the name of the worker that took the job, written by
 * BullMQ in the take itself: the worker needs no write of its own to say it holds the try.
 * `timestamp` (when it was added) is in every job from its add on, so a job still waiting for a
 * worker is not mistaken for one that vanished (all the others are unset until it is taken).
 */
const JOB_FIELDS = ["processedOn", "finishedOn", "returnvalue", "failedReason", "progress", "pb", "timestamp"] as const;

interface Tracked {
  readonly key: TaskInstanceKey;
  readonly workload: Workload;
  readonly jobId: string;
  /** When the job was (last) handed to BullMQ, epoch ms; null: not yet (Redis was unreachable). */
  sentAt: number | null;
  /** The add in flight, if any: sends are not awaited one by one (a pass hands out many tries). */
  sending: Promise<void> | null;
  /** A worker has taken the job (it left the wait list). */
  seenActive: boolean;
  reportedRunning: boolean;
  /** The worker that holds it: the job's `pb` (set by the take), or its progress. */
  worker: string | null;
  /** When the job was first found missing from Redis (null: it is there). */
  missingSince: number | null;
}

/**
 * Runs tries on a fleet of `switchyard worker` processes through BullMQ on Redis (Airflow's
 * CeleryExecutor role): one BullMQ job per try, on the BullMQ queue named after the task's
 * `queue`. The executor sends jobs and reads their state; it never runs a try itself, and its
 * tries outlive it: a scheduler that stops or dies leaves them running, and the next one adopts
 * them by job id. See docs/executors/bullmq.md.
 *
 * State comes from BullMQ's event streams (one blocking XREAD over every queue): an entry that
 * says a try ended, started or was taken is acted on as it is read; any other entry about a
 * tracked job has that job's hash read. A timer reads every tracked job's hash and the worker
 * records each POLL_MS: that full look is the source of truth, because it is also what adoption,
 * Redis loss, lost workers and trimmed streams need; the entries only make it prompt and cheap. QueueEvents alone would need a connection per queue and still miss
 * what happened while the scheduler was away.
 */
export class BullMQExecutor extends BaseExecutor {
  /** Tries run on workers, outside the scheduler's process tree (contract item 1). */
  override readonly triesOutliveScheduler = true;
  override readonly servesLogs = false;
  override readonly supportsPickling = false;

  readonly options: CompiledBullMQExecutorOptions;
  readonly #tracked = new Map<string, Tracked>();
  readonly #queues = new Map<string, Queue>();
  #redis: Redis | null = null;
  #wake: StreamWake | null = null;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | null = null;
  #pollAgain = false;
  #fullAgain = false;
  /** Tracked jobs an event stream named since they were last read. */
  readonly #dirty = new Set<Tracked>();
  #lastFullPoll = 0;
  readonly #sends = new Set<Promise<void>>();
  #workers = new Map<string, WorkerRecord>();
  /** When the last poll reached Redis: tries are vouched for only while Redis answers. */
  #lastGoodPoll = 0;
  #redisDownSince: number | null = null;
  #stopped = true;

  constructor(context: ExecutorContext) {
    const options = compileBullMQExecutorOptions(context.options, { executor: context.name.name, defaultParallelism: context.defaultParallelism });
    super(context, options.parallelism);
    this.options = options;
  }

  override async start(): Promise<void> {
    this.#stopped = false;
    this.#redis ??= createRedis(this.options, `executor-${this.name.name}`);
    if (this.#wake === null) {
      this.#wake = new StreamWake(createRedis(this.options, `executor-${this.name.name}-events`));
      this.#wake.onJobs((streamKey, events) => this.#onJobEvents(streamKey, events));
    }
    clearInterval(this.#timer);
    this.#timer = setInterval(() => void this.#poll(true), POLL_MS);
    this.#timer.unref();
    void this.#followEvents();
  }

  /** Poll whenever an event stream says something happened to one of our queues. */
  async #followEvents(): Promise<void> {
    const wake = this.#wake!;
    while (!this.#stopped) {
      const seq = wake.seq;
      await wake.waitForChange(seq, POLL_MS * 5);
      if (this.#stopped) return;
      if (wake.seq !== seq && this.#tracked.size > 0) await this.#poll(false);
    }
  }

  /**
   * Act on what an event stream (`P:<queue>:events`) says of tracked jobs (job ids are keys, so no
   * lookup in Redis). BullMQ writes an entry in the same script that changes the job, so an entry
   * is as good as the hash: `completed` carries the return value (the try's end), `progress` the
   * worker's progress, `active` the take. Any other entry about a tracked job marks it to be read.
   */
  #onJobEvents(streamKey: string, events: readonly JobEvent[]): void {
    const queue = streamKey.slice(this.options.prefix.length + 1, -":events".length);
    for (const e of events) {
      const key = keyOfJobId(e.jobId);
      if (key === null) continue;
      const entry = this.#tracked.get(keyString(key));
      // A job whose add is still in flight is as good as sent: a fast worker may finish it before the reply.
      if (entry === undefined || entry.jobId !== e.jobId || entry.workload.queue !== queue || (entry.sentAt === null && entry.sending === null)) continue;
      if (e.event === "active") {
        entry.seenActive = true;
      } else if (e.event === "progress" && parseProgress(e.fields.get("data") ?? null) !== null) {
        this.#judgeProgress(entry, [null, null, null, null, e.fields.get("data")!, null, null]);
      } else if (e.event === "completed" && parseResult(e.fields.get("returnvalue") ?? null) !== null) {
        this.#judgeProgress(entry, [null, String(Date.now()), e.fields.get("returnvalue")!, null, null, null, null]);
      } else if (e.event !== "added" && e.event !== "waiting") {
        this.#dirty.add(entry);
      }
    }
  }

  #queue(name: string): Queue {
    let queue = this.#queues.get(name);
    if (queue === undefined) {
      queue = new Queue(name, { connection: this.#redis!, prefix: this.options.prefix });
      queue.on("error", (error: Error) => this.logger.debug(`queue ${name}: ${redisErrorLine(error, this.options)}`));
      this.#queues.set(name, queue);
      void this.#wake!.watch(queue.keys["events"]!).catch(() => undefined);
    }
    return queue;
  }

  #jobKey(queue: string, jobId: string): string {
    return `${this.options.prefix}:${queue}:${jobId}`;
  }

  /** The BullMQ job id of a try (contract item 3): known before the job is sent. */
  override externalIdFor(workload: Workload): string {
    return jobIdFor(workload.key);
  }

  protected async executeAsync(workload: Workload): Promise<void> {
    if (this.#stopped) throw new Error(`executor "${this.name.name}" is not started`);
    const jobId = jobIdFor(workload.key);
    const entry: Tracked = { key: workload.key, workload, jobId, sentAt: null, sending: null, seenActive: false, reportedRunning: false, worker: null, missingSince: null };
    this.#tracked.set(keyString(workload.key), entry);
    // No queued event: the scheduler stores the job id (externalIdFor) before it sends (contract item 3),
    // and the running event carries it too.
    // Redis away: the try stays queued here and is sent by a later poll, once Redis answers.
    // Not awaited: a pass's sends go out together (pipelined on the one connection, in order).
    this.#startSend(entry);
  }

  #startSend(entry: Tracked): void {
    if (entry.sending !== null) return;
    const sending = this.#send(entry)
      .catch((error: unknown) => this.#redisDown(error))
      .finally(() => {
        entry.sending = null;
        this.#sends.delete(sending);
      });
    entry.sending = sending;
    this.#sends.add(sending);
  }

  async #send(entry: Tracked): Promise<void> {
    const { workload } = entry;
    await this.#queue(workload.queue).add(TRY_JOB_NAME, workload, {
      jobId: entry.jobId,
      priority: bullmqPriority(workload.priorityWeight),
      // One attempt: a try that fails is retried by the scheduler, as a new try with a new job.
      attempts: 1,
      removeOnComplete: { age: KEEP_FINISHED_JOBS_SECONDS },
      removeOnFail: { age: KEEP_FINISHED_JOBS_SECONDS },
    });
    entry.sentAt = Date.now();
    entry.missingSince = null;
  }

  #redisDown(error: unknown): void {
    if (this.#redisDownSince === null) {
      this.#redisDownSince = Date.now();
      this.logger.warn(`Redis unreachable (${redisErrorLine(error, this.options)}); tries stay queued and are sent once it answers`);
    }
  }

  /**
   * Read the jobs the event streams named since the last look (every tracked job, if the last full
   * look is POLL_MS old). Not waited for: what it finds is buffered and wakes the scheduler
   * (onEvent), so a pass never waits on a Redis round trip for it.
   */
  sync(): void {
    void this.#poll(false);
  }

  /**
   * One look at the jobs: every tracked one (`full`, or the last full look is POLL_MS old), else
   * those the event streams named. A poll asked for while one runs makes that one run again.
   */
  #poll(full: boolean): Promise<void> {
    if (this.#polling !== null) {
      this.#pollAgain = true;
      this.#fullAgain ||= full;
      return this.#polling;
    }
    this.#polling = (async () => {
      try {
        let nextFull = full;
        do {
          this.#pollAgain = false;
          this.#fullAgain = false;
          await this.#pollOnce(nextFull || Date.now() - this.#lastFullPoll >= POLL_MS);
          nextFull = this.#fullAgain;
        } while (this.#pollAgain && !this.#stopped);
      } finally {
        this.#polling = null;
      }
    })();
    return this.#polling;
  }

  async #pollOnce(full: boolean): Promise<void> {
    if (this.#stopped || this.#redis === null) return;
    const dirty = [...this.#dirty];
    this.#dirty.clear();
    const entries = full ? [...this.#tracked.values()] : dirty.filter((e) => e.sentAt !== null);
    if (entries.length === 0) return;
    const redis = this.#redis;
    let rows: Array<Array<string | null>>;
    try {
      const pipeline = redis.pipeline();
      for (const e of entries) pipeline.hmget(this.#jobKey(e.workload.queue, e.jobId), ...JOB_FIELDS);
      const results = (await pipeline.exec()) ?? [];
      rows = results.map(([error, value]) => {
        if (error) throw error;
        return value as Array<string | null>;
      });
      if (full) this.#workers = new Map((await readWorkers(redis, this.options.prefix)).map((r) => [r.name, r]));
    } catch (error) {
      for (const e of dirty) this.#dirty.add(e);
      this.#redisDown(error);
      return;
    }
    if (!full) {
      // Between full looks: only what the events say (ended, running); the timeouts, lost workers
      // and vanished jobs need the worker records, and wait for the next full look.
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i]!;
        if (this.#tracked.get(keyString(entry.key)) === entry) this.#judgeProgress(entry, rows[i]!);
      }
      return;
    }
    if (this.#redisDownSince !== null) {
      this.logger.info(`Redis answers again after ${Math.round((Date.now() - this.#redisDownSince) / 1000)} s`);
      this.#redisDownSince = null;
    }
    const now = Date.now();
    this.#lastGoodPoll = now;
    this.#lastFullPoll = now;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (this.#tracked.get(keyString(entry.key)) !== entry) continue; // revoked meanwhile
      await this.#judge(entry, rows[i]!, now);
    }
  }

  #reportRunning(entry: Tracked, progress: NonNullable<ReturnType<typeof parseProgress>>): void {
    entry.reportedRunning = true;
    this.runningState(entry.key, { ...(progress.info ?? {}), hostname: progress.hostname, worker: progress.worker, externalExecutorId: entry.jobId });
  }

  async #judge(entry: Tracked, row: Array<string | null>, now: number): Promise<void> {
    if (entry.sentAt === null) {
      this.#startSend(entry);
      return;
    }
    if (row.every((v) => v === null)) {
      await this.#vanished(entry, now);
      return;
    }
    entry.missingSince = null;
    if (this.#judgeProgress(entry, row) !== "going") return;
    if (entry.seenActive) {
      if (entry.worker === null) return; // taken by a client that is not a named worker: nobody to watch
      const record = this.#workers.get(entry.worker);
      if (workerAlive(record, now, this.options.workerTimeoutMs)) return;
      await this.#failIfRemoved(entry, lostWorkerReason(entry.worker, record, now), record?.hostname);
      return;
    }
    const waitingMs = now - entry.sentAt;
    if (waitingMs < this.options.workerTimeoutMs) return;
    const queue = entry.workload.queue;
    const live = [...this.#workers.values()].filter((w) => workerAlive(w, now, this.options.workerTimeoutMs));
    if (live.some((w) => w.queues.includes(queue))) return;
    const listening = live.map((w) => `${w.name} [${w.queues.join(", ")}]`).join("; ") || "none";
    await this.#failIfRemoved(
      entry,
      `no live worker serves queue '${queue}' (waited ${Math.round(waitingMs / 1000)} s; live workers: ${listening}); ` +
        `start one with: switchyard worker --queues ${queue}`,
    );
  }

  /**
   * What a job's hash says of its end and its start: reports them (once). "ended": untracked;
   * "going": still the executor's to watch.
   */
  #judgeProgress(entry: Tracked, row: Array<string | null>): "ended" | "going" {
    const [processedOn, finishedOn, returnvalue, failedReason, progressRaw, processedBy] = row;
    const progress = parseProgress(progressRaw ?? null);
    if (progress !== null) entry.worker = progress.worker;
    else if (processedBy !== null && processedBy !== undefined && processedBy !== "") entry.worker = processedBy;
    if (processedOn !== null && processedOn !== undefined) entry.seenActive = true;
    const externalExecutorId = entry.jobId;
    if (finishedOn !== null && finishedOn !== undefined) {
      const result = parseResult(returnvalue ?? null);
      // Started and ended between two looks: report the start too, in order, as the runner saw it
      // (from the progress, or from the result when the worker carried the start in it).
      if (progress?.state === "running" && !entry.reportedRunning) this.#reportRunning(entry, progress);
      else if (result?.running !== undefined && !entry.reportedRunning) {
        entry.reportedRunning = true;
        this.runningState(entry.key, { ...result.running, worker: result.worker, externalExecutorId });
      }
      this.#untrackEntry(entry);
      if (result !== null) {
        this.changeState(entry.key, result.state, { ...result.info, worker: result.worker, externalExecutorId });
      } else {
        const why = failedReason ?? "it finished with no result";
        this.fail(entry.key, { error: `BullMQ job ${entry.jobId} failed: ${why}`, externalExecutorId, endDate: Number(finishedOn) });
      }
      return "ended";
    }
    if (progress?.state === "running" && !entry.reportedRunning) this.#reportRunning(entry, progress);
    return "going";
  }

  /**
   * Fail a try whose job nobody can finish any more, but only once its job is removed: removal
   * fails while a worker holds the job's lock, so a worker that comes back in time keeps its try,
   * and once removed no worker can report on it (its own lock renewal fails and it kills the try).
   */
  async #failIfRemoved(entry: Tracked, error: string, hostname?: string): Promise<void> {
    let removed: number;
    try {
      removed = await this.#queue(entry.workload.queue).remove(entry.jobId);
    } catch (e) {
      this.logger.debug(`could not remove job ${entry.jobId}: ${redisErrorLine(e, this.options)}`);
      return;
    }
    if (removed !== 1) return;
    this.logger.warn(`${entry.jobId}: ${error}`);
    this.#untrackEntry(entry);
    this.fail(entry.key, {
      error,
      endDate: Date.now(),
      externalExecutorId: entry.jobId,
      ...(hostname !== undefined ? { hostname } : {}),
      ...(entry.worker !== null ? { worker: entry.worker } : {}),
    });
  }

  /**
   * The job is gone from Redis (Redis restarted empty, or someone deleted it). A job no worker had
   * taken is sent again as it was: nothing ran. One a worker had taken is lost: once no live worker
   * lists it (its worker, unable to renew the lock, has killed it), the scheduler runs it again as a
   * new try that does not count against retries.
   */
  async #vanished(entry: Tracked, now: number): Promise<void> {
    entry.missingSince ??= now;
    if (now - entry.missingSince < VANISHED_GRACE_MS) return;
    const holders = [...this.#workers.values()].filter(
      (w) => workerAlive(w, now, this.options.workerTimeoutMs) && w.running.some((r) => r.jobId === entry.jobId && r.queue === entry.workload.queue),
    );
    if (holders.length > 0) return;
    if (!entry.seenActive) {
      this.logger.warn(`${entry.jobId}: its BullMQ job vanished from Redis before a worker took it; sending it again`);
      this.#startSend(entry);
      return;
    }
    this.triesLost([entry.key], `its BullMQ job ${entry.jobId} vanished from Redis while worker ${entry.worker ?? "(unknown)"} ran it (Redis restarted empty?)`);
  }

  #untrackEntry(entry: Tracked): void {
    this.#tracked.delete(keyString(entry.key));
  }

  protected override untrack(key: TaskInstanceKey): void {
    super.untrack(key);
    this.#tracked.delete(keyString(key));
  }

  /**
   * Tries this executor vouches are alive (contract item 2): those waiting in Redis, and those a
   * live worker holds, as of a poll within `worker_timeout`. A try of a dead worker is reported
   * failed by the poll instead.
   */
  override liveTries(): TaskInstanceKey[] {
    const now = Date.now();
    if (now - this.#lastGoodPoll > this.options.workerTimeoutMs) return [];
    const keys: TaskInstanceKey[] = [];
    for (const entry of this.#tracked.values()) {
      if (!entry.seenActive || entry.worker === null || workerAlive(this.#workers.get(entry.worker), now, this.options.workerTimeoutMs)) keys.push(entry.key);
    }
    return keys;
  }

  /**
   * Re-attach tries a previous scheduler sent, by job id (the TI's external id, or the one its key
   * gives: ids are deterministic). A try whose job is still in Redis is adopted (running or
   * finished: the next poll reports it); one whose job is gone is not.
   */
  override async tryAdoptTaskInstances(tis: TaskInstanceRef[]): Promise<TaskInstanceRef[]> {
    if (this.#redis === null) await this.start();
    const jobIds = tis.map((ti) => ti.externalExecutorId ?? jobIdFor(ti.key));
    // Every lookup comes back before any try is tracked: a lookup that fails part-way through
    // must leave the whole batch to a later check, not half of it adopted and half offered again.
    let looked: [data: string | null, processedOn: string | null][];
    try {
      // Commands on this client wait through outages; the scheduler runs this inside a pass, which
      // must not wait for Redis while its other executors' tasks are due.
      const notReady = await notReadyWithin(this.#redis!, this.options, ADOPTION_LOOKUP_WAIT_MS);
      if (notReady !== null) throw new Error(notReady);
      const pipeline = this.#redis!.pipeline();
      tis.forEach((ti, i) => pipeline.hmget(this.#jobKey(ti.queue, jobIds[i]!), "data", "processedOn"));
      const replies = (await pipeline.exec()) ?? [];
      looked = tis.map((_, i) => {
        const [error, value] = replies[i] ?? [new Error("no reply"), null];
        if (error !== null) throw error;
        return value as [string | null, string | null];
      });
    } catch (error) {
      // Not knowing whether the jobs still run is no reason to run them again: the scheduler retries later.
      throw new Error(`could not look up ${tis.length} job(s) for adoption: ${redisErrorLine(error, this.options)}`);
    }
    const notAdopted: TaskInstanceRef[] = [];
    for (const [i, ti] of tis.entries()) {
      const jobId = jobIds[i]!;
      const [data, processedOn] = looked[i]!;
      const workload = data === null ? null : parseWorkload(data);
      if (workload === null || keyString(workload.key) !== keyString(ti.key)) {
        notAdopted.push(ti);
        continue;
      }
      const id = keyString(ti.key);
      this.#tracked.set(id, {
        key: ti.key,
        workload,
        jobId,
        sentAt: Date.now(),
        sending: null,
        seenActive: processedOn !== null,
        reportedRunning: ti.state === "running",
        worker: null,
        missingSince: null,
      });
      this.trackAdopted(ti.key, workload.token);
    }
    if (notAdopted.length < tis.length) void this.#poll(true);
    return notAdopted;
  }

  /**
   * Stop tracking a try without an event. A job still waiting is removed; an active one is asked
   * to stop: the worker holding it kills the try and records it failed (nobody listens any more).
   */
  override async revokeTask(ti: TaskInstanceRef, reason?: string): Promise<void> {
    const id = keyString(ti.key);
    const entry = this.#tracked.get(id);
    const queueName = entry?.workload.queue ?? ti.queue;
    const jobId = entry?.jobId ?? ti.externalExecutorId ?? jobIdFor(ti.key);
    await super.revokeTask(ti, reason);
    await entry?.sending; // an add still in flight would otherwise land after the remove
    if (this.#redis === null || queueName === "") return;
    try {
      const removed = await this.#queue(queueName).remove(jobId);
      if (removed !== 1) await this.#redis.hset(revokeKey(this.options.prefix), revokeField(queueName, jobId), reason ?? "revoked by the scheduler");
    } catch (error) {
      this.logger.warn(`could not revoke job ${jobId}: ${redisErrorLine(error, this.options)}`);
    }
  }

  /**
   * Forget every try without touching the fleet or reporting anything (contract item 1: lease
   * loss). Reports already buffered stay for the scheduler, fenced by try number and token.
   */
  override releaseAll(): void {
    void super.releaseAll();
    this.#tracked.clear();
  }

  /**
   * After end() (graceful) or terminate() (killing the fleet's tries is not this scheduler's to
   * do): the fleet's tries keep running and the next scheduler adopts them, so there is nothing to
   * wait for. What is still queued here was never sent: dropped, it is reset by adoption.
   */
  protected override async close(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#polling?.catch(() => undefined);
    await Promise.all([...this.#sends]);
    this.#dirty.clear();
    const queues = [...this.#queues.values()];
    this.#queues.clear();
    await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
    await this.#wake?.stop();
    this.#wake = null;
    this.#redis?.disconnect();
    this.#redis = null;
  }

  /** The try's log as its worker shipped it to the job's BullMQ log: live while it runs, whole once it ended. */
  override async getTaskLog(ti: TaskInstanceRef, tryNumber: number): Promise<TaskLog> {
    const jobId = jobIdFor({ ...ti.key, tryNumber });
    const redis = this.#redis ?? createRedis(this.options, `executor-${this.name.name}-logs`);
    try {
      // A connection of its own (`tasks logs`): say that Redis is away rather than wait for it.
      const away = redis === this.#redis ? null : await notReadyWithin(redis, this.options, LOG_CONNECT_TIMEOUT_MS);
      if (away !== null) return unreadable(`could not read the log of job ${jobId}: ${away}`);
      const queue = new Queue(ti.queue, { connection: redis, prefix: this.options.prefix });
      try {
        const { logs } = await queue.getJobLogs(jobId);
        const lines = logs.join("").split("\n");
        if (lines.at(-1) === "") lines.pop();
        return { messages: [`from BullMQ job ${jobId} on queue ${ti.queue} (${this.options.redisUrl.toString()})`], lines };
      } finally {
        await queue.close().catch(() => undefined);
      }
    } catch (error) {
      return unreadable(`could not read the log of job ${jobId}: ${redisErrorLine(error, this.options)}`);
    } finally {
      if (redis !== this.#redis) redis.disconnect();
    }
  }

  override debugDump(): Record<string, unknown> {
    return {
      ...super.debugDump(),
      prefix: this.options.prefix,
      redis: this.options.redisUrl.toString(),
      tracked: [...this.#tracked.values()].map((e) => ({ jobId: e.jobId, queue: e.workload.queue, active: e.seenActive, worker: e.worker })),
    };
  }
}

function parseJson(raw: string | null): unknown {
  if (raw === null) return null;
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

function parseProgress(raw: string | null): TryProgress | null {
  const parsed = tryProgressSchema.safeParse(parseJson(raw));
  return parsed.success ? parsed.data : null;
}

function parseResult(raw: string | null) {
  const parsed = tryResultSchema.safeParse(parseJson(raw));
  return parsed.success ? parsed.data : null;
}

function parseWorkload(raw: string): Workload | null {
  const parsed = workloadSchema.safeParse(parseJson(raw));
  return parsed.success ? (parsed.data as Workload) : null;
}
