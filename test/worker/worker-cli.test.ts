/**
 * `switchyard worker` refuses bad input before it touches Redis: each case exits 1 with one
 * `error:` line naming what is wrong and what is valid, and no key appears under the prefix.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { after, before, describe, it } from "node:test";
import { Home } from "../support/home.js";
import { assertRedisAnswers, executorSection, REDIS_URL, testPrefix } from "../executors/bullmq/support.js";

async function keysUnder(prefix: string, url = REDIS_URL): Promise<string[]> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    return await redis.keys(`${prefix}*`);
  } finally {
    redis.disconnect();
  }
}

describe("switchyard worker: bad input", () => {
  const prefix = testPrefix();
  const homes: Home[] = [];
  before(() => assertRedisAnswers());
  after(() => {
    for (const h of homes) h.cleanup();
  });

  const home = (section: string, executors = "LocalExecutor,BullMQExecutor") => {
    const h = new Home({ toml: `[core]\nexecutor = "${executors}"\n${section}` });
    homes.push(h);
    return h;
  };

  async function refused(h: Home, args: string[], message: RegExp): Promise<void> {
    const r = await h.run(["worker", ...args]);
    assert.equal(r.code, 1, `worker ${args.join(" ")} should fail: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message, `worker ${args.join(" ")}`);
    assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
    assert.match(r.stderr, /^error: /);
    assert.deepEqual(await keysUnder(prefix), [], `worker ${args.join(" ")} wrote nothing to Redis`);
  }

  it("rejects bad --queues, --concurrency, --executor and --name", async () => {
    const h = home(executorSection("BullMQExecutor", prefix));
    const queues = /e\.g\. --queues default,io/;
    await refused(h, ["-q", ""], /--queues is empty; write a comma-separated list of queue names/);
    await refused(h, ["-q", " "], /--queues is empty/);
    await refused(h, ["-q", "default,,io"], /--queues "default,,io": has an empty queue name/);
    await refused(h, ["-q", "io,"], queues);
    await refused(h, ["-q", "a:b"], /--queues "a:b": queue "a:b" may only contain letters, digits, "_", "-" and "\."/);
    await refused(h, ["-q", "x".repeat(101)], /is 101 characters long, over the limit of 100/);
    await refused(h, ["-c", "0"], /--concurrency must be an integer >= 1 \(got '0'\)/);
    await refused(h, ["-c", "1.5"], /--concurrency must be an integer >= 1 \(got '1\.5'\)/);
    await refused(h, ["-c", "many"], /--concurrency must be an integer >= 1 \(got 'many'\)/);
    await refused(h, ["--executor", "Nope"], /--executor "Nope" is not an entry of \[core\] executor; BullMQExecutors configured: BullMQExecutor/);
    await refused(h, ["--executor", "LocalExecutor"], /--executor "LocalExecutor" is a LocalExecutor, not a BullMQExecutor or BullMQKubernetesExecutor; BullMQExecutors configured: BullMQExecutor/);
    await refused(h, ["--name", ""], /--name "" is empty; use 1-100 characters from A-Z a-z 0-9 _ - \. @/);
    await refused(h, ["--name", "w".repeat(101)], /--name "w+" is 101 characters long, over the limit of 100/);
    await refused(h, ["--name", "a/b"], /--name "a\/b" may only contain letters, digits/);
    await refused(h, ["--name", "two words"], /--name "two words" may only contain/);
  });

  it("rejects a config with no BullMQExecutor, a bad redis_url or a bad prefix, naming the key", async () => {
    await refused(home("", "LocalExecutor"), [], /\[core\] executor = "LocalExecutor" has no BullMQExecutor\. Add it/);
    const withUrl = (url: string) => home(executorSection("BullMQExecutor", prefix, { redis_url: url }));
    await refused(withUrl("http://127.0.0.1:6379"), [], /\[executors\.BullMQExecutor\] redis_url: must start with redis:\/\/ or rediss:\/\/ \(TLS\), not http:\/\//);
    await refused(withUrl("redis://127.0.0.1:6379/cache"), [], /redis_url: has path \/cache; the only path a Redis URL takes is a database number/);
    await refused(withUrl("redis://127.0.0.1:port"), [], /redis_url: is not a URL; write redis:\/\/host:6379/);
    await refused(withUrl("127.0.0.1:6379"), [], /redis_url: is not a URL; write redis:\/\/host:6379.* \(got "127\.0\.0\.1:6379"\)/);
    await refused(home(executorSection("BullMQExecutor", `${prefix} x`)), [], /\[executors\.BullMQExecutor\] prefix: may only contain letters, digits, "_", "-", "\." and ":"/);
    await refused(home(executorSection("BullMQExecutor", `${prefix}{x}`)), [], /prefix: may only contain/);
    await refused(home(executorSection("BullMQExecutor", prefix, { worker_timeout: 0 })), [], /worker_timeout: must be an integer >= 1/);
    await refused(home(executorSection("BullMQExecutor", prefix, { colour: "blue" })), [], /'colour': unknown key; valid keys: redis_url, prefix, parallelism, worker_timeout/);
  });
});
