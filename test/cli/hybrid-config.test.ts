/**
 * The hybrids' configuration through the CLI: `config get-value` of a hybrid and of each side,
 * errors naming the full key path, and `switchyard worker --executor <hybrid>` serving the BullMQ
 * side of a BullMQKubernetesExecutor from its sub-table.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Home } from "../support/home.js";
import { assertRedisAnswers, deletePrefix, REDIS_URL, startWorker, stopWorker, testPrefix } from "../executors/bullmq/support.js";

const TOML = `[core]
executor = "LocalExecutor,bk:BullMQKubernetesExecutor,lk:LocalKubernetesExecutor"
[executors.bk]
kubernetes_queue = "pods"
[executors.bk.bullmq]
redis_url = "redis://:hunter2@127.0.0.1:6379"
[executors.lk.local]
parallelism = 3
`;

describe("hybrid executors' configuration", () => {
  let home: Home;
  before(() => {
    home = new Home({ toml: TOML });
  });
  after(() => home.cleanup());

  it("config get-value answers for the hybrid and for each side (executors.<name>.<side>), defaults filled in, secrets masked", async () => {
    const get = async (section: string, key: string) => (await home.ok(["config", "get-value", section, key])).trim();
    assert.equal(await get("executors.bk", "kubernetes_queue"), "pods");
    assert.equal(await get("executors.lk", "kubernetes_queue"), "kubernetes");
    assert.equal(await get("executors.lk.local", "parallelism"), "3");
    assert.equal(await get("executors.lk.local", "isolation"), "warm");
    assert.equal(await get("executors.bk.bullmq", "prefix"), "switchyard:bk.bullmq", "a side's defaults are made from its full name");
    const url = await get("executors.bk.bullmq", "redis_url");
    assert.doesNotMatch(url, /hunter2/);
    assert.match(url, /127\.0\.0\.1:6379/);
    const list = await home.ok(["config", "list"]);
    assert.doesNotMatch(list, /hunter2/, "a secret in a sub-table is masked too");
    const bad = await home.run(["config", "get-value", "executors.lk.local", "paralelism"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /\[executors\.lk\.local\] paralelism: unknown key \(did you mean parallelism\?\)\. Valid keys of a LocalKubernetesExecutor's local side: parallelism, isolation, runners, runner_heartbeat_timeout/);
  });

  it("rejects a bad kubernetes_queue, an unknown key and a bad side option, naming the full key path", async () => {
    const cases: Array<[string, RegExp]> = [
      [`[executors.lk]\nkubernetes_queue = "k8s:pods"\n`, /\[executors\.lk\] kubernetes_queue: may only contain letters, digits, "_", "-" and "\." .*\(got "k8s:pods"\)/],
      [`[executors.lk]\nkubernetes_queue = ""\n`, /\[executors\.lk\] kubernetes_queue: is empty/],
      [`[executors.lk]\nqueue = "pods"\n`, /\[executors\.lk\] 'queue': unknown key; valid keys: kubernetes_queue, local, kubernetes/],
      [`[executors.lk]\nbullmq = { prefix = "x" }\n`, /\[executors\.lk\] 'bullmq': unknown key; valid keys: kubernetes_queue, local, kubernetes/],
      [`[executors.lk]\nlocal = 3\n`, /\[executors\.lk\] local: must be a table: write \[executors\.lk\.local\]/],
      [`[executors.lk.local]\nparallelism = 0\n`, /\[executors\.lk\.local\] parallelism: must be an integer >= 1/],
      [`[executors.lk.local]\nworkers = 2\n`, /\[executors\.lk\.local\] 'workers': unknown key; valid keys: parallelism, isolation, runners, runner_heartbeat_timeout/],
    ];
    for (const [section, expected] of cases) {
      const bad = new Home({ toml: `[core]\nexecutor = "lk:LocalKubernetesExecutor"\n${section}` });
      try {
        const r = await bad.run(["config", "get-value", "executors.lk", "kubernetes_queue"]);
        assert.equal(r.code, 1, section);
        assert.match(r.stderr, expected);
      } finally {
        bad.cleanup();
      }
    }
  });
});

describe("switchyard worker --executor <BullMQKubernetesExecutor>", () => {
  before(() => assertRedisAnswers());

  it("serves the hybrid's BullMQ side from its sub-table; a LocalKubernetesExecutor is refused, naming what is configured", async () => {
    const prefix = testPrefix();
    const toml = `[core]\nexecutor = "lk:LocalKubernetesExecutor,bk:BullMQKubernetesExecutor"\n[database]\nurl = "postgresql://nobody:wrong@127.0.0.1:1/nowhere"\n[executors.bk.bullmq]\nredis_url = "${REDIS_URL}"\nprefix = "${prefix}"\n`;
    // No --executor: the first BullMQ side configured, bk's.
    const worker = await startWorker({ toml, prefix, name: "hybrid-side" });
    try {
      const refused = await worker.home.run(["worker", "--executor", "lk", "-q", "default"]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /--executor "lk" is a LocalKubernetesExecutor, not a BullMQExecutor or BullMQKubernetesExecutor; BullMQExecutors configured: bk/);
      const fleet = await worker.home.ok(["fleet", "workers", "--executor", "bk", "-o", "json"]);
      assert.deepEqual((JSON.parse(fleet) as Array<{ executor: string; name: string }>).map((w) => [w.executor, w.name]), [["bk", "hybrid-side"]]);
    } finally {
      await stopWorker(worker);
      await deletePrefix(prefix);
    }
  });
});
