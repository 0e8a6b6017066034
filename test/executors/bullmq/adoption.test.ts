/**
 * Adoption while the fleet's Redis does not answer: the scheduler runs adoption inside a pass, so
 * the executor must say it cannot tell (and hold nothing) rather than wait for Redis, and adopt the
 * same tries at a later check once Redis answers again.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Redis } from "ioredis";
import { BullMQExecutor } from "../../../src/executors/bullmq/executor.js";
import { jobIdFor } from "../../../src/executors/bullmq/jobs.js";
import { eventually } from "../../support/home.js";
import { refOf } from "../conformance.js";
import { context, tempDir, workload } from "../helpers.js";
import { RedisServer } from "../../worker/helpers.js";
import { testPrefix } from "./support.js";

describe("BullMQExecutor adoption while Redis does not answer", () => {
  let redis: RedisServer;
  before(async () => {
    redis = await RedisServer.start();
  });
  after(() => redis.cleanup());

  it("fails within its wait holding nothing, and adopts the try once Redis answers again", async (t) => {
    // Kept on disk across the restart below: this Redis stands for one that was unreachable, not one that lost its data.
    await redis.stop();
    await redis.start(["--appendonly", "yes", "--appendfsync", "always"]);
    const prefix = testPrefix();
    const make = () => new BullMQExecutor(context("BullMQExecutor", { redis_url: redis.url, prefix, parallelism: 2, worker_timeout: 5 }));
    const dir = await tempDir(t);
    const w = workload(dir, { taskId: "ok" });

    // A scheduler sends the try (no worker takes it) and dies.
    const first = make();
    await first.start();
    first.queueWorkload(w);
    await first.heartbeat();
    const probe = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    t.after(() => probe.disconnect());
    await eventually("the try's job to be in Redis", async () => (await probe.keys(`${prefix}:*:${jobIdFor(w.key)}`)).length > 0, 10_000);
    probe.disconnect();
    await first.releaseAll();
    await first.terminate();

    await redis.stop();
    const second = make();
    await second.start();
    t.after(() => second.terminate());
    const ref = refOf(w, null, jobIdFor(w.key), "queued");
    const before = Date.now();
    await assert.rejects(second.tryAdoptTaskInstances([ref]), /could not look up 1 job\(s\) for adoption: Redis at .* did not answer within 5 s/);
    assert.ok(Date.now() - before < 15_000, `it gave up after ${Date.now() - before} ms`);
    assert.deepEqual(second.heldTries(), [], "a lookup that failed adopts nothing");

    await redis.start(["--appendonly", "yes", "--appendfsync", "always"]);
    assert.deepEqual(await second.tryAdoptTaskInstances([ref]), [], "the next check adopts the try");
    assert.equal(second.hasTask(w.key), true);
  });
});
