/**
 * Redis restarted empty under a running fleet (issue 10 §3): a redis-server of the test's own,
 * keeping nothing on disk, killed while one try runs on a worker and another waits in its queue,
 * then started again on the same port. The scheduler must notice both jobs are gone and send the
 * tries again within 30 s of Redis answering, and the run must succeed.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { after, before, describe, it } from "node:test";
import { jobIdFor } from "../../src/executors/bullmq/jobs.js";
import { eventually, readIntervals, TEST_DB, type AuditRow } from "../support/home.js";
import { dagFile, Fleet, RedisServer, startsOf, tryMarker, waitForTry } from "./helpers.js";

describe(`the fleet when Redis restarts empty (${TEST_DB})`, () => {
  let redis: RedisServer;
  let fleet: Fleet;
  before(async () => {
    redis = await RedisServer.start();
  });
  after(async () => {
    await fleet?.cleanup();
    await redis.cleanup();
  });

  it("sends the waiting try again and runs the lost running try as a new try, within 30 s of Redis answering; the run succeeds", async () => {
    fleet = new Fleet(redis.url);
    const home = fleet.scheduler({});
    const markers = home.file("markers.txt");
    // One worker slot: `first` (higher priority) runs while `second` waits in the queue.
    const dag = dagFile(
      "restart",
      `d.bash("first", ${JSON.stringify(tryMarker(markers, 4))}, { priorityWeight: 10 });\n` + `d.bash("second", ${JSON.stringify(tryMarker(markers, 0.2))}, { priorityWeight: 1 });`,
      `{ defaults: { weightRule: "absolute" } }`,
    );
    home.writeDag("restart.ts", dag);
    await fleet.worker("w1", { "restart.ts": dag }, { concurrency: 1 });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "restart", "--run-id", "r1"]);
    const scheduler = home.spawn(["scheduler", "--exit-when-idle"]);

    const key = (taskId: string, tryNumber = 1) => ({ dagId: "restart", runId: "r1", taskId, mapIndex: -1, tryNumber });
    const jobKey = (taskId: string, tryNumber = 1) => `${fleet.prefix}:default:${jobIdFor(key(taskId, tryNumber))}`;
    await waitForTry(fleet, key("first"), "running");
    const client = new Redis(redis.url, { maxRetriesPerRequest: null, retryStrategy: () => 100 });
    client.on("error", () => undefined);
    try {
      assert.equal(await client.exists(jobKey("second")), 1, "second's job waits in Redis while first runs");
      assert.equal((await home.states("restart", "r1")).find((s) => s.taskId === "second")?.state, "queued");

      await redis.stop();
      await redis.start();
      const answeringAt = Date.now();
      assert.equal(await client.dbsize(), 0, "Redis came back empty");

      // Sent again: second as the same try (nothing ran it), first as try 2 (its try 1 was lost with its job).
      await eventually(
        "both tries to be sent again",
        async () => (await client.exists(jobKey("second"))) === 1 && (await client.exists(jobKey("first", 2))) === 1,
        30_000,
      );
      assert.ok(Date.now() - answeringAt < 30_000, `sent again ${Date.now() - answeringAt} ms after Redis answered`);
    } finally {
      client.disconnect();
    }

    const r = await scheduler.done;
    assert.equal(r.code, 0, `${r.stderr}\n${fleet.output()}`);
    assert.equal((await home.ok(["dags", "state", "restart", "r1"])).trim(), "success");
    const states = new Map((await home.states("restart", "r1")).map((s) => [s.taskId, s]));
    assert.equal(states.get("first")?.state, "success");
    assert.equal(states.get("first")?.tryNumber, 2, "first ran again as a new try");
    assert.equal(states.get("first")?.maxTries, 1, "the lost try does not use up a retry (retries = 0)");
    assert.equal(states.get("second")?.state, "success");
    assert.equal(states.get("second")?.tryNumber, 1, "second was sent again as the same try");

    const audit = await home.json<AuditRow[]>(["dags", "audit-log", "restart"]);
    const reset = audit.find((a) => a.taskId === "first" && a.event === "reset");
    assert.ok(reset, JSON.stringify(audit, null, 1));
    assert.equal(reset.tryNumber, 1);
    assert.match(reset.reason ?? "", /try 1 lost: its BullMQ job .* vanished from Redis while worker w1 ran it/);
    assert.equal(audit.filter((a) => a.taskId === "second" && a.event === "reset").length, 0, "second was not reset: nothing had run it");
    assert.match(`${r.stdout}${r.stderr}`, /restart\/r1\/second\/-1\/1: its BullMQ job vanished from Redis before a worker took it; sending it again/);

    // What ran: first's try 1 (killed by its worker once its job was gone), then try 2 and second's try 1, each once.
    const starts = startsOf(markers);
    assert.deepEqual(Object.fromEntries(starts), { "first@1": 1, "first@2": 1, "second@1": 1 });
    const ended = readIntervals(markers).map((i) => i.name).sort();
    assert.deepEqual(ended, ["first@2", "second@1"], "first's try 1 never finished: its worker killed it");
  });
});
