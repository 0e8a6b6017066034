import type { Redis } from "ioredis";

/** How long one XREAD blocks: also how late a queue added meanwhile starts being watched. */
const BLOCK_MS = 500;

/**
 * Wakes a loop when anything happens on some BullMQ queues, from one connection: a blocking
 * XREAD over the queues' event streams (`P:<queue>:events`, where BullMQ records every add, move
 * and progress). QueueEvents would need one blocking connection per queue. Callers read state
 * afterwards themselves; an event only says "look now", so a missed one costs latency, never
 * correctness (every caller also looks on a timer).
 *
 * Race-free by sequence number: `seq` grows with every batch read, and each stream is read from
 * the id it had when first watched, so an event after `waitForChange(seq)` was given `seq` always
 * ends the wait.
 *
 * `lazy`: the streams are read only while a waiter wants them (a worker with free slots and an
 * empty queue). Every entry of a stream wakes its readers, and most are of no use to a worker
 * (other tries' progress and completions): a worker that is busy does not read them. When a
 * waiter comes, whatever was written meanwhile wakes it at once (the streams' newest ids are
 * compared with the last ones seen), so the race-freedom above holds.
 */
export class StreamWake {
  readonly #redis: Redis;
  readonly #lastIds = new Map<string, string>();
  readonly #waiters = new Set<() => void>();
  /** Waiters that want the streams read (the others end on a poke or their timeout). */
  #streamWaiters = 0;
  readonly #lazy: boolean;
  /** Resolves the lazy reader's pause once a waiter wants the streams. */
  #wanted: (() => void) | null = null;
  readonly #jobListeners = new Set<(streamKey: string, events: readonly JobEvent[]) => void>();
  #seq = 0;
  #stopped = false;
  #loop: Promise<void> | null = null;

  /**
   * @param redis - a connection of its own: it spends its time blocked in XREAD.
   * @param options.lazy - read the streams only while a waiter wants them (see above); not with onJobs.
   */
  constructor(redis: Redis, options: { readonly lazy?: boolean } = {}) {
    this.#redis = redis;
    this.#lazy = options.lazy ?? false;
  }

  get seq(): number {
    return this.#seq;
  }

  /** Watch one more stream, from its newest entry (or its start, if it has none yet). */
  async watch(streamKey: string): Promise<void> {
    if (this.#lastIds.has(streamKey)) return;
    this.#lastIds.set(streamKey, "0-0");
    const newest = (await this.#redis.xrevrange(streamKey, "+", "-", "COUNT", 1)) as Array<[string, string[]]>;
    if (newest.length > 0 && this.#lastIds.get(streamKey) === "0-0") this.#lastIds.set(streamKey, newest[0]![0]);
    this.#loop ??= this.#run();
  }

  /**
   * Resolves once `seq` has moved past `since`, or after `timeoutMs`. `streams: false`: only a
   * poke (or the timeout) is awaited, so a lazy reader need not read the streams for this waiter.
   */
  waitForChange(since: number, timeoutMs: number, options: { readonly streams?: boolean } = {}): Promise<void> {
    if (this.#seq !== since || this.#stopped) return Promise.resolve();
    const streams = options.streams ?? true;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (!this.#waiters.delete(done)) return;
        if (streams) this.#streamWaiters--;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#waiters.add(done);
      if (streams) {
        this.#streamWaiters++;
        this.#wanted?.();
      }
    });
  }

  /**
   * Also hand over each batch's entries that name a job (BullMQ's `jobId` field), per stream,
   * before the waiters wake: lets a caller look at those jobs only, or act on the entry itself.
   */
  onJobs(listener: (streamKey: string, events: readonly JobEvent[]) => void): void {
    this.#jobListeners.add(listener);
  }

  /** Wake every waiter now (a slot freed, a stop requested). */
  poke(): void {
    this.#seq++;
    for (const waiter of [...this.#waiters]) waiter();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.poke();
    this.#wanted?.();
    this.#redis.disconnect();
    await this.#loop?.catch(() => undefined);
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const keys = [...this.#lastIds.keys()];
      try {
        if (this.#lazy && this.#streamWaiters === 0) {
          await new Promise<void>((resolve) => (this.#wanted = resolve));
          this.#wanted = null;
          if (this.#stopped) return;
          if (await this.#caughtUp(keys)) this.poke();
          continue;
        }
        const result = (await this.#redis.xread("COUNT", 1000, "BLOCK", BLOCK_MS, "STREAMS", ...keys, ...keys.map((k) => this.#lastIds.get(k)!))) as
          | Array<[string, Array<[string, string[]]>]>
          | null;
        if (result === null) continue;
        for (const [key, entries] of result) {
          const last = entries.at(-1);
          if (last !== undefined) this.#lastIds.set(key, last[0]);
          if (this.#jobListeners.size > 0) {
            const events = entries.map(([, fields]) => jobEvent(fields)).filter((e): e is JobEvent => e !== null);
            for (const listener of this.#jobListeners) listener(key, events);
          }
        }
        this.poke();
      } catch {
        if (this.#stopped) return;
        // Redis is away: the callers' timers keep them going; try again shortly.
        await new Promise((resolve) => setTimeout(resolve, BLOCK_MS));
      }
    }
  }

  /**
   * After a pause: move each stream's last id to its newest entry; true if any had moved (something
   * happened while nobody read, and the waiters must look).
   */
  async #caughtUp(keys: readonly string[]): Promise<boolean> {
    const pipeline = this.#redis.pipeline();
    for (const key of keys) pipeline.xrevrange(key, "+", "-", "COUNT", 1);
    const results = (await pipeline.exec()) ?? [];
    let moved = false;
    keys.forEach((key, i) => {
      const [error, value] = results[i] ?? [null, null];
      if (error) throw error;
      const newest = (value as Array<[string, string[]]> | null)?.[0]?.[0];
      if (newest !== undefined && newest !== this.#lastIds.get(key)) {
        this.#lastIds.set(key, newest);
        moved = true;
      }
    });
    return moved;
  }
}

/** One entry of a BullMQ event stream about a job: `event` (added, active, progress, completed, ...) and its other fields. */
export interface JobEvent {
  readonly jobId: string;
  readonly event: string;
  /** The entry's other fields by name (e.g. `data` of progress, `returnvalue` of completed). */
  readonly fields: ReadonlyMap<string, string>;
}

/** An entry's fields (alternating name, value) as a JobEvent, or null if it names no job. */
function jobEvent(raw: readonly string[]): JobEvent | null {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) fields.set(raw[i]!, raw[i + 1]!);
  const jobId = fields.get("jobId");
  if (jobId === undefined) return null;
  return { jobId, event: fields.get("event") ?? "", fields };
}
