/**
 * StreamWake's lazy mode (what a fleet worker uses): the streams are read only while a waiter
 * wants them, yet an entry written while nobody read still wakes the next such waiter at once.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Redis } from "ioredis";
import { StreamWake } from "../../../src/executors/bullmq/stream-wake.js";
import { assertRedisAnswers, deletePrefix, REDIS_URL, testPrefix } from "./support.js";

const prefix = testPrefix();
const stream = `${prefix}:q:events`;
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });

before(() => assertRedisAnswers());
after(async () => {
  await deletePrefix(prefix);
  redis.disconnect();
});

/** How long a wait took, in ms. */
async function timed(wait: Promise<void>): Promise<number> {
  const start = Date.now();
  await wait;
  return Date.now() - start;
}

test("a lazy StreamWake wakes a waiter for an entry written while nobody read, and a streams: false waiter only on a poke", async () => {
  await redis.xadd(stream, "*", "event", "added", "jobId", "1");
  const wake = new StreamWake(new Redis(REDIS_URL, { maxRetriesPerRequest: null }), { lazy: true });
  try {
    await wake.watch(stream);
    let seq = wake.seq;
    // Nobody wants the streams read: an entry does not end a streams: false wait, a poke does.
    const busy = wake.waitForChange(seq, 5_000, { streams: false });
    await redis.xadd(stream, "*", "event", "completed", "jobId", "2");
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(wake.seq, seq, "no stream was read while only a streams: false waiter waited");
    wake.poke();
    assert.ok((await timed(busy)) < 5_000);

    // Written while nobody read: the next waiter that wants the streams wakes at once, not at its timeout.
    seq = wake.seq;
    await redis.xadd(stream, "*", "event", "added", "jobId", "3");
    assert.ok((await timed(wake.waitForChange(seq, 10_000))) < 5_000, "the entry written while paused woke the waiter");

    // Caught up: a waiter with nothing new waits for the next entry, which wakes it.
    seq = wake.seq;
    const idle = wake.waitForChange(seq, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(wake.seq, seq, "nothing new: the waiter still waits");
    await redis.xadd(stream, "*", "event", "added", "jobId", "4");
    assert.ok((await timed(idle)) < 5_000, "a new entry woke the waiter");
  } finally {
    await wake.stop();
  }
});
