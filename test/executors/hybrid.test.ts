/**
 * The HybridExecutor over two real executors: a LocalExecutor as its other side and, standing in
 * for the Kubernetes side, a BullMQExecutor with a real `switchyard worker` on Redis (a side whose
 * tries outlive the scheduler, as pods do). The built-in hybrids with the real KubernetesExecutor
 * are tested in hybrid-kubernetes.test.ts.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import type { BaseExecutor } from "../../src/executors/base.js";
import { BullMQExecutor } from "../../src/executors/bullmq/executor.js";
import { ExecutorOptionsError } from "../../src/executors/errors.js";
import { HybridExecutor, hybridExecutorClass } from "../../src/executors/hybrid/hybrid-executor.js";
import { LocalExecutor } from "../../src/executors/local.js";
import { partsOf } from "../../src/executors/scheduler-executor.js";
import { Home } from "../support/home.js";
import { assertRedisAnswers, deletePrefix, executorSection, REDIS_URL, startWorker, testPrefix } from "./bullmq/support.js";
import { executorConformance, refOf, started } from "./conformance.js";
import { context, tempDir, workload, type TestWorkload } from "./helpers.js";

const workers: Array<{ home: Home; prefix: string; kill: () => void; done: Promise<unknown> }> = [];

before(() => assertRedisAnswers());
after(async () => {
  for (const w of workers) w.kill();
  await Promise.all(workers.map((w) => w.done.catch(() => undefined)));
  for (const w of workers) {
    await deletePrefix(w.prefix);
    w.home.cleanup();
  }
});

/**
 * A worker serving the stand-in side's queue on `prefix`, with the filesystem root as its folders (as
 * the suite's workloads expect); resolves once it is registered, so the executor's worker_timeout
 * does not count its start-up.
 */
async function spawnWorker(prefix: string, queue: string): Promise<void> {
  const toml = `[core]\nexecutor = "BullMQExecutor"\ndags_folder = "/"\n[logging]\nbase_log_folder = "/"\n${executorSection("BullMQExecutor", prefix)}`;
  const w = await startWorker({ toml, prefix, name: `hybrid-${queue}`, queues: queue, concurrency: 4 });
  workers.push({ home: w.home, prefix, kill: () => w.child.kill("SIGKILL"), done: w.done });
}

const TestHybrid = hybridExecutorClass({
  className: "TestHybrid",
  otherSide: "local",
  otherClass: LocalExecutor,
  otherClassName: "LocalExecutor",
  kubernetesClass: BullMQExecutor,
});

const prefixes = new WeakMap<object, string>();

/** A hybrid named "lk": Local side of `parallelism`, the stand-in side on `prefix`. */
function hybrid(prefix: string, parallelism = 4, extra: Record<string, unknown> = {}): HybridExecutor {
  const options = {
    local: { parallelism },
    kubernetes: { redis_url: REDIS_URL, prefix, worker_timeout: 5, parallelism: 8 },
    ...extra,
  };
  const executor = new TestHybrid({ ...context("TestHybrid", options), name: { ...context("TestHybrid").name, name: "lk" } }) as HybridExecutor;
  prefixes.set(executor, prefix);
  return executor;
}

function withQueue(w: TestWorkload, queue: string): TestWorkload {
  return { ...w, queue };
}

// Workloads of the suite are on queue "default": they run on the Local side, whose tries die with
// the scheduler, which is what this hybrid declares (one side's tries do).
executorConformance("HybridExecutor (Local side)", {
  make: (p) => {
    const prefix = testPrefix();
    return hybrid(prefix, p);
  },
});

describe("HybridExecutor", () => {
  it("routes by queue: kubernetes_queue to the Kubernetes side, any other queue to the other side", async (t) => {
    const dir = await tempDir(t);
    const prefix = testPrefix();
    await spawnWorker(prefix, "kubernetes");
    const executor = hybrid(prefix);
    const driver = await started(t, executor);
    const onLocal = workload(dir, { taskId: "ok", runId: "local" });
    const onPod = withQueue(workload(dir, { taskId: "ok", runId: "pod" }), "kubernetes");
    const elsewhere = withQueue(workload(dir, { taskId: "ok", runId: "io" }), "io");
    for (const w of [onLocal, onPod, elsewhere]) assert.equal(executor.queueWorkload(w), true);
    assert.equal(executor.other.hasTask(onLocal.key), true);
    assert.equal(executor.other.hasTask(elsewhere.key), true);
    assert.equal(executor.kubernetes.hasTask(onPod.key), true);
    assert.equal(executor.kubernetes.hasTask(onLocal.key), false);
    assert.equal(executor.other.hasTask(onPod.key), false);
    assert.equal(executor.externalIdFor(onPod), executor.kubernetes.externalIdFor(onPod));
    assert.notEqual(executor.externalIdFor(onPod), null, "the stand-in side names its job before sending it");
    assert.equal(executor.externalIdFor(onLocal), null);
    for (const w of [onLocal, elsewhere, onPod]) assert.equal((await driver.terminal(w, 30_000)).state, "success");
    // Each try reported from its own side: the stand-in's running event names its job, the Local one its runner's pid.
    assert.equal(driver.of(onPod).find((e) => e.state === "running")?.info.externalExecutorId, executor.externalIdFor(onPod));
    assert.equal(typeof driver.of(onLocal).find((e) => e.state === "running")?.info.pid, "number");
    assert.equal(driver.of(onLocal).find((e) => e.state === "running")?.info.externalExecutorId, undefined);
  });

  it("held and live tries are the union; parallelism is the other side's and bounds both sides' tries together", async (t) => {
    const dir = await tempDir(t);
    const prefix = testPrefix();
    const executor = hybrid(prefix, 3);
    assert.equal(executor.parallelism, 3);
    const a = workload(dir, { taskId: "sleep", runId: "a" });
    const b = withQueue(workload(dir, { taskId: "sleep", runId: "b" }), "kubernetes");
    executor.queueWorkload(a);
    executor.queueWorkload(b);
    assert.deepEqual(executor.heldTries().map((k) => k.runId).sort(), ["a", "b"]);
    assert.equal(executor.hasTask(a.key) && executor.hasTask(b.key), true);
    assert.equal(executor.other.slotsAvailable, 2);
    assert.equal(executor.slotsOccupied, 2);
    assert.equal(executor.slotsAvailable, 1, "the Local side's parallelism less both sides' tries");
    assert.deepEqual(partsOf(executor), [executor.other, executor.kubernetes]);
    assert.equal(executor.triesOutliveScheduler, false, "its Local side's tries die with the scheduler");
    assert.equal(executor.kubernetes.triesOutliveScheduler, true);
    await executor.revokeTask(refOf(a, null, null, "queued"));
    await executor.revokeTask({ ...refOf(b, null, null, "queued"), queue: "" });
    assert.equal(executor.slotsOccupied, 0, "revocation reached the side holding each try, whatever queue the ref names");
  });

  it("merges both sides' events, passing the DAG filter on", async (t) => {
    const dir = await tempDir(t);
    const prefix = testPrefix();
    await spawnWorker(prefix, "kubernetes");
    const executor = hybrid(prefix);
    await executor.start();
    t.after(() => executor.terminate());
    const mineLocal = workload(dir, { taskId: "ok", runId: "m1" });
    const minePod = withQueue(workload(dir, { taskId: "ok", runId: "m2" }), "kubernetes");
    const theirsLocal = workload(dir, { taskId: "ok", runId: "t1", dagId: "exec_other" });
    const theirsPod = withQueue(workload(dir, { taskId: "ok", runId: "t2", dagId: "exec_other" }), "kubernetes");
    for (const w of [mineLocal, minePod, theirsLocal, theirsPod]) executor.queueWorkload(w);
    const mine = new Set(["exec_tasks"]);
    const drained: string[] = [];
    const deadline = Date.now() + 30_000;
    // Drain only exec_tasks until both of its tries have ended on their sides.
    while (drained.filter((s) => s.endsWith("success")).length < 2) {
      assert.ok(Date.now() < deadline, `timed out; drained ${drained.join(", ")}`);
      await executor.heartbeat();
      for (const e of executor.getEventBuffer(mine)) {
        assert.equal(e.key.dagId, "exec_tasks");
        drained.push(`${e.key.runId} ${e.state}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(drained.includes("m1 success") && drained.includes("m2 success"), drained.join(", "));
    // The other DAG's events waited in both sides' buffers.
    let theirs: string[] = [];
    for (let i = 0; i < 300 && theirs.filter((s) => s.endsWith("success")).length < 2; i++) {
      await executor.heartbeat();
      theirs = [...theirs, ...executor.getEventBuffer().map((e) => `${e.key.dagId} ${e.key.runId} ${e.state}`)];
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(theirs.includes("exec_other t1 success") && theirs.includes("exec_other t2 success"), theirs.join(", "));
  });

  it("onEvent listeners hear both sides; unsubscribing stops both", async (t) => {
    const dir = await tempDir(t);
    const executor = hybrid(testPrefix());
    let heard = 0;
    const off = executor.onEvent(() => heard++);
    (executor.other as LocalExecutor).queued(workload(dir, { taskId: "ok", runId: "x" }).key);
    (executor.kubernetes as BullMQExecutor).queued(workload(dir, { taskId: "ok", runId: "y" }).key);
    assert.equal(heard, 2);
    off();
    (executor.other as LocalExecutor).queued(workload(dir, { taskId: "ok", runId: "z" }).key);
    assert.equal(heard, 2);
  });

  it("adoption is split by queue: the Kubernetes side adopts its running try, the Local side's died with the scheduler; logs come from the side that ran the try", async (t) => {
    const dir = await tempDir(t);
    const prefix = testPrefix();
    await spawnWorker(prefix, "kubernetes");
    const first = hybrid(prefix);
    const driver = await started(t, first);
    // Still running when adopted, however slow the machine: it ends when the gate opens, after the adoption.
    const gateFile = `${dir}/gate`;
    const pod = withQueue(workload(dir, { taskId: "gated", runId: "adopt", conf: { markerFile: `${dir}/marks`, gateFile } }), "kubernetes");
    const local = workload(dir, { taskId: "sleep", runId: "local" });
    first.queueWorkload(pod);
    first.queueWorkload(local);
    await driver.until(() => driver.of(pod).some((e) => e.state === "running") && driver.of(local).some((e) => e.state === "running"), "both tries running", 30_000);
    const externalId = first.externalIdFor(pod);
    // As the scheduler does on a lost lease: release what outlives it, stop the rest.
    await first.releaseAll();
    assert.equal(first.kubernetes.heldTries().length, 0, "the outliving side released its try");
    assert.equal(first.other.hasTask(local.key), true, "the Local side keeps its try for the scheduler to stop");
    await first.terminate();

    const second = hybrid(prefix);
    const driver2 = await started(t, second);
    const refs = [refOf(pod, null, externalId), refOf(local, null, null)];
    const notAdopted = await second.tryAdoptTaskInstances(refs);
    assert.deepEqual(notAdopted.map((r) => r.key.runId), ["local"]);
    assert.equal(second.kubernetes.hasTask(pod.key), true);
    await writeFile(gateFile, "");
    assert.equal((await driver2.terminal(pod, 30_000)).state, "success");

    const podLog = await second.getTaskLog(refOf(pod), 1);
    assert.deepEqual(podLog, await second.kubernetes.getTaskLog(refOf(pod), 1));
    assert.ok(podLog.lines.length + podLog.messages.length > 0, "the Kubernetes side answered for its try");
    assert.deepEqual(await second.getTaskLog(refOf(local), 1), await second.other.getTaskLog(refOf(local), 1));
  });

  it("start, heartbeat, renewLease, setJobId, end and terminate reach both sides", async () => {
    const executor = hybrid(testPrefix());
    executor.setJobId(42);
    for (const side of partsOf(executor) as BaseExecutor[]) assert.equal((side.debugDump() as { jobId: number }).jobId, 42);
    const dump = executor.debugDump() as { kubernetesQueue: string; other: object; kubernetes: object };
    assert.equal(dump.kubernetesQueue, "kubernetes");
    await executor.start();
    await executor.heartbeat();
    executor.renewLease(Date.now() + 60_000);
    await executor.end();
    await executor.terminate();
  });
});

describe("HybridExecutor options", () => {
  const make = (options: Record<string, unknown>) => () => new TestHybrid({ ...context("TestHybrid", options), name: { ...context("TestHybrid").name, name: "lk" } });
  const rejects = (options: Record<string, unknown>, key: string, message: string) => {
    assert.throws(make(options), (e: unknown) => {
      assert.ok(e instanceof ExecutorOptionsError, String(e));
      assert.equal(e.key, key);
      assert.ok(e.message.includes(message), `${e.message}\n  should contain\n${message}`);
      return true;
    });
  };

  it("defaults kubernetes_queue to \"kubernetes\" and takes another", () => {
    assert.equal((make({})() as HybridExecutor).kubernetesQueue, "kubernetes");
    assert.equal((make({ kubernetes_queue: "pods" })() as HybridExecutor).kubernetesQueue, "pods");
  });

  it("rejects a bad kubernetes_queue, unknown keys and sides that are not tables, naming the key", () => {
    rejects({ kubernetes_queue: "a:b" }, "kubernetes_queue", `[executors.lk] kubernetes_queue: may only contain letters, digits, "_", "-" and "." (it is a task's queue name, e.g. "kubernetes") (got "a:b")`);
    rejects({ kubernetes_queue: "" }, "kubernetes_queue", "[executors.lk] kubernetes_queue: is empty");
    rejects({ kubernetes_queue: 3 }, "kubernetes_queue", "[executors.lk] kubernetes_queue: must be a string");
    rejects({ kubernetesqueue: "k" }, "kubernetesqueue", "[executors.lk] 'kubernetesqueue': unknown key; valid keys: kubernetes_queue, local, kubernetes");
    rejects({ bullmq: {} }, "bullmq", "[executors.lk] 'bullmq': unknown key; valid keys: kubernetes_queue, local, kubernetes");
    rejects({ parallelism: 4 }, "parallelism", "[executors.lk] 'parallelism': unknown key");
    rejects({ local: 4 }, "local", "[executors.lk] local: must be a table: write [executors.lk.local] and that executor's keys below it (got 4)");
  });

  it("validates each side's sub-table with that executor's own compiler, naming the full key path", () => {
    rejects({ local: { parallelism: 0 } }, "parallelism", "[executors.lk.local] parallelism: must be an integer >= 1");
    rejects({ local: { workers: 2 } }, "workers", "[executors.lk.local] 'workers': unknown key; valid keys: parallelism, isolation, runners, runner_heartbeat_timeout");
    rejects({ kubernetes: { redis_url: "http://x" } }, "redis_url", "[executors.lk.kubernetes] redis_url: must start with redis://");
  });
});
