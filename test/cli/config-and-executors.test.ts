import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Home } from "../support/home.js";

describe("config and executors commands", () => {
  let home: Home;
  before(() => {
    home = new Home({ toml: `[core]\nexecutor = "LocalExecutor,SequentialExecutor,fast:LocalExecutor"\nparallelism = 12\n[executors.fast]\nparallelism = 3\n` });
  });
  after(() => home.cleanup());

  it("config get-value prints one value, from the file or an environment override", async () => {
    assert.equal((await home.ok(["config", "get-value", "core", "parallelism"])).trim(), "12");
    assert.equal((await home.ok(["config", "get-value", "core", "parallelism"], { env: { SWITCHYARD__CORE__PARALLELISM: "7" } })).trim(), "7");
    assert.equal((await home.ok(["config", "get-value", "executors.fast", "parallelism"])).trim(), "3");
    const bad = await home.run(["config", "get-value", "core", "paralelism"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unknown key.*parallelism/s);
  });

  it("config get-value of an executor section answers by the keys written there, defaults filled in, a Redis password masked", async () => {
    const fleet = new Home({ toml: `[core]\nexecutor = "LocalExecutor,fleet:BullMQExecutor"\n[executors.fleet]\nredis_url = "redis://:hunter2@127.0.0.1:6379"\n` });
    try {
      assert.equal((await fleet.ok(["config", "get-value", "executors.LocalExecutor", "runner_heartbeat_timeout"])).trim(), "5");
      assert.equal((await fleet.ok(["config", "get-value", "executors.fleet", "worker_timeout"])).trim(), "30");
      assert.equal((await fleet.ok(["config", "get-value", "executors.fleet", "prefix"])).trim(), "switchyard:fleet");
      const url = await fleet.ok(["config", "get-value", "executors.fleet", "redis_url"]);
      assert.doesNotMatch(url, /hunter2/);
      assert.match(url, /127\.0\.0\.1:6379/);
      const bad = await fleet.run(["config", "get-value", "executors.fleet", "redisUrl"]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /unknown key.*Valid keys of a BullMQExecutor: redis_url, prefix, parallelism, worker_timeout/s);
    } finally {
      fleet.cleanup();
    }
  });

  it("config list says where each value came from", async () => {
    const rows = await home.json<Array<{ section: string; key: string; value: unknown; source: string }>>(["config", "list"]);
    const get = (section: string, key: string) => rows.find((r) => r.section === section && r.key === key)!;
    assert.deepEqual([get("core", "parallelism").value, get("core", "parallelism").source], [12, "file"]);
    assert.equal(get("core", "max_active_tasks_per_dag").source, "default");
    assert.equal(get("core", "max_active_tasks_per_dag").value, 16);
  });

  it("executors list shows the configured executors in order, the first as default", async () => {
    const rows = await home.json<Array<{ name: string; className: string; isDefault: boolean; parallelism: number }>>(["executors", "list"]);
    assert.deepEqual(
      rows.map((r) => [r.name, r.className, r.isDefault, r.parallelism]),
      [
        ["LocalExecutor", "LocalExecutor", true, 12],
        ["SequentialExecutor", "SequentialExecutor", false, 1],
        ["fast", "LocalExecutor", false, 3],
      ],
    );
    const check = await home.ok(["executors", "check"]);
    assert.match(check, /ok\s+fast \(LocalExecutor, parallelism 3\)/);
    assert.match(check, /3 executor\(s\) ok/);
  });
});
