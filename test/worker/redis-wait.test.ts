/**
 * A worker started while nothing answers at its Redis address says so in one line (password
 * masked), keeps trying, and becomes ready once a Redis starts there.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { after, describe, it } from "node:test";
import { readWorkers } from "../../src/executors/bullmq/worker-registry.js";
import { eventually, Home } from "../support/home.js";
import { executorSection, testPrefix } from "../executors/bullmq/support.js";
import { freePort, RedisServer } from "./helpers.js";

describe("switchyard worker: Redis unreachable at start", () => {
  let redis: RedisServer | null = null;
  let h: Home | null = null;
  after(async () => {
    h?.cleanup();
    await redis?.cleanup();
  });

  it("says once that it waits for Redis (password masked), keeps trying, and becomes ready when Redis starts", async () => {
    const port = await freePort();
    const prefix = testPrefix();
    const url = `redis://:s3cret-pw@127.0.0.1:${port}`;
    h = new Home({ toml: `[core]\nexecutor = "BullMQExecutor"\n${executorSection("BullMQExecutor", prefix, { redis_url: url })}` });
    const worker = h.spawn(["worker", "--name", "patient", "-q", "default"]);
    let output = "";
    worker.child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    worker.child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    await eventually("the worker to say it waits for Redis", async () => output.includes("waiting for Redis"));
    assert.match(output, new RegExp(`waiting for Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED.*\\); retrying until it answers`));
    // Still waiting a while later, still alive, and said so only once.
    await new Promise((r) => setTimeout(r, 1_500)); // several reconnect attempts: no event says "it retried and failed again"
    assert.equal(worker.child.exitCode, null, output);
    assert.equal(output.match(/waiting for Redis/g)?.length, 1, output);

    // Redis here has no password: start it with that one, as the worker's URL says.
    redis = new RedisServer(port);
    await redis.start(["--requirepass", "s3cret-pw"]);
    const client = new Redis(url, { maxRetriesPerRequest: 1 });
    try {
      await eventually("the worker to register once Redis answers", async () => (await readWorkers(client, prefix)).some((w) => w.name === "patient" && w.state === "running"));
    } finally {
      client.disconnect();
    }
    await eventually("the worker to say it is ready", async () => /worker patient on .* serves queues default/.test(output));
    worker.child.kill("SIGTERM");
    const r = await worker.done;
    assert.equal(r.code, 0, output);
    assert.doesNotMatch(output, /s3cret-pw/, "the password is never printed");
  });
});
