/**
 * The KubernetesExecutor against the fake API server, driven as the scheduler drives it: API
 * faults, watch drops and 410s, image-pull errors, pending_timeout, evictions, revocation, logs,
 * delete_pods. Each test has a fake server of its own.
 */
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { keyString, type TaskInstanceKey } from "../../../src/common/keys.js";
import { KubernetesExecutor } from "../../../src/executors/kubernetes/executor.js";
import { podNameFor } from "../../../src/executors/kubernetes/labels.js";
import { refOf, started } from "../conformance.js";
import { context, tempDir, waitUntil, workload } from "../helpers.js";
import { kubeEnv, kubeOptions, TEST_IMAGE, type KubeEnv } from "./support.js";

const TIMEOUT = 60_000;

function executor(env: KubeEnv, extra: Record<string, unknown> = {}): KubernetesExecutor {
  return new KubernetesExecutor(context("KubernetesExecutor", kubeOptions(env, extra)));
}

const count = (env: KubeEnv, what: string) => env.fake.requestCounts()[what] ?? 0;
const podOf = (env: KubeEnv, key: TaskInstanceKey) => env.fake.pods().find((p) => p.metadata?.name === podNameFor(key));

describe("KubernetesExecutor against the fake API server", () => {
  it("an invalid podOverride fails the try naming the field, and nothing is sent", async (t) => {
    const env = await kubeEnv(t);
    const driver = await started(t, executor(env), TIMEOUT);
    const w = workload(await tempDir(t), { taskId: "ok", executorConfig: { podOverride: { spec: { containers: [{ name: "base", resources: { limits: { memory: "lots" } } }] } } } });
    driver.executor.queueWorkload(w);
    const end = await driver.terminal(w);
    assert.equal(end.state, "failed");
    assert.match(end.info.error!, /executorConfig\.podOverride\.spec\.containers\[0\]\.resources\.limits\.memory: is not a resource quantity/);
    assert.equal(count(env, "create pods"), 0, JSON.stringify(env.fake.requestCounts()));
  });

  it("retries creation with backoff on 409, 429 (Retry-After) and 500, then runs the try once", async (t) => {
    const env = await kubeEnv(t);
    const driver = await started(t, executor(env), TIMEOUT);
    env.fake.inject({ kind: "status", verb: "create", code: 500, times: 1 });
    env.fake.inject({ kind: "status", verb: "create", code: 429, times: 1, retryAfterSeconds: 1 });
    env.fake.inject({ kind: "status", verb: "create", code: 409, times: 1 });
    const w = workload(await tempDir(t), { taskId: "ok" });
    const before = Date.now();
    driver.executor.queueWorkload(w);
    const end = await driver.terminal(w);
    assert.equal(end.state, "success", JSON.stringify(end.info));
    assert.equal(count(env, "create pods"), 4, JSON.stringify(env.fake.requestCounts()));
    assert.ok(Date.now() - before >= 1_000, "waited out Retry-After");
  });

  it("fails the try with the API's message on an error that retrying cannot fix (404: no such namespace)", async (t) => {
    const env = await kubeEnv(t);
    const driver = await started(t, executor(env, { namespace: "nowhere" }), TIMEOUT);
    const w = workload(await tempDir(t), { taskId: "ok" });
    driver.executor.queueWorkload(w);
    const end = await driver.terminal(w);
    assert.equal(end.state, "failed");
    assert.match(end.info.error!, /^could not create pod .*: 404 NotFound: .*nowhere/);
    assert.equal(count(env, "create pods"), 1);
  });

  it("fails a pod whose image cannot be pulled, with the reason, and deletes it", async (t) => {
    const env = await kubeEnv(t);
    env.fake.inject({ kind: "image-pull", image: "missing:1" });
    const driver = await started(t, executor(env, { image: "missing:1" }), TIMEOUT);
    const w = workload(await tempDir(t), { taskId: "ok" });
    driver.executor.queueWorkload(w);
    const end = await driver.terminal(w);
    assert.equal(end.state, "failed");
    assert.match(end.info.error!, /cannot start: container base: (ErrImagePull|ImagePullBackOff)/);
    await waitUntil(() => podOf(env, w.key) === undefined, "the pod to be deleted", TIMEOUT);
  });

  it("revokes and fails a pod Pending longer than pending_timeout, saying why", async (t) => {
    const env = await kubeEnv(t);
    env.fake.inject({ kind: "unschedulable", image: TEST_IMAGE });
    const driver = await started(t, executor(env, { pending_timeout: 1 }), TIMEOUT);
    const w = workload(await tempDir(t), { taskId: "ok" });
    driver.executor.queueWorkload(w);
    const end = await driver.terminal(w);
    assert.equal(end.state, "failed");
    assert.match(end.info.error!, /was Pending for more than 1 s \(pending_timeout\): Unschedulable/);
    await waitUntil(() => podOf(env, w.key) === undefined, "the pod to be deleted", TIMEOUT);
  });

  it("an evicted pod is run again without using a retry (triesLost), at most max_eviction_retries times", async (t) => {
    const env = await kubeEnv(t);
    const driver = await started(t, executor(env, { max_eviction_retries: 1 }), TIMEOUT);
    const lost: string[] = [];
    driver.executor.onTriesLost((keys, why) => lost.push(...keys.map((k) => `${keyString(k)}: ${why}`)));
    const dir = await tempDir(t);
    const first = workload(dir, { taskId: "sleep" });
    driver.executor.queueWorkload(first);
    await driver.until(() => driver.of(first).some((e) => e.state === "running"), "try 1 to run");
    env.fake.inject({ kind: "evict", pod: podNameFor(first.key) });
    await waitUntil(() => lost.length === 1, "try 1 to be reported lost", TIMEOUT);
    assert.match(lost[0]!, /Evicted.*eviction 1 of at most 1/);
    assert.equal(driver.terminalOf(first), undefined, "no terminal event: the scheduler resets it");
    // The scheduler runs it again as try 2; evicted again, it has used up max_eviction_retries.
    const second = workload(dir, { taskId: "sleep", tryNumber: 2 });
    driver.executor.queueWorkload(second);
    await driver.until(() => driver.of(second).some((e) => e.state === "running"), "try 2 to run");
    env.fake.inject({ kind: "preempt", pod: podNameFor(second.key) });
    const end = await driver.terminal(second);
    assert.equal(end.state, "failed");
    assert.match(end.info.error!, /evicted 2 times, more than max_eviction_retries = 1/);
  });

  it("loses no try through 100 watch drops and 410s while pods run", async (t) => {
    const env = await kubeEnv(t, { fake: { historySize: 50 } });
    const driver = await started(t, executor(env, { parallelism: 8, creation_batch_size: 8 }), 120_000);
    const dir = await tempDir(t);
    const ws = Array.from({ length: 8 }, (_, i) => workload(dir, { taskId: i % 2 === 0 ? "ok" : "fail", runId: `r${i}` }));
    for (const w of ws) driver.executor.queueWorkload(w);
    await driver.heartbeat();
    for (let i = 0; i < 100; i++) {
      // Each fault hits a watch that is open: the executor must have opened a new one since the last.
      const watches = count(env, "watch pods");
      env.fake.inject(i % 2 === 0 ? { kind: "drop-watches" } : { kind: "expire-watches" });
      await waitUntil(() => count(env, "watch pods") > watches, `a new watch after fault ${i + 1}`, 20_000);
      await driver.heartbeat();
    }
    await driver.until(() => ws.every((w) => driver.terminalOf(w) !== undefined), "every try to end");
    for (const [i, w] of ws.entries()) assert.equal(driver.terminalOf(w)!.state, i % 2 === 0 ? "success" : "failed");
    assert.ok(count(env, "watch pods") >= 100, `the watch was restarted after each fault (${count(env, "watch pods")} watches)`);
    assert.equal(count(env, "create pods"), 8, "no pod created twice");
    assert.deepEqual(driver.executor.heldTries(), []);
  });

  it("revokeTask deletes the pod of a running try, without an event", async (t) => {
    const env = await kubeEnv(t);
    const driver = await started(t, executor(env), TIMEOUT);
    const w = workload(await tempDir(t), { taskId: "sleep" });
    driver.executor.queueWorkload(w);
    await driver.until(() => driver.of(w).some((e) => e.state === "running"), "the try to run");
    await driver.executor.revokeTask(refOf(w, null, podNameFor(w.key)), "stuck");
    await waitUntil(() => podOf(env, w.key) === undefined, "the pod to be deleted", TIMEOUT);
    await driver.heartbeat();
    assert.deepEqual(driver.of(w).map((e) => e.state), ["running"]);
  });

  it("getTaskLog reads the pod log while it runs and after it ended; says so once the pod is gone", async (t) => {
    const env = await kubeEnv(t);
    const driver = await started(t, executor(env, { delete_pods: "never" }), TIMEOUT);
    const dir = await tempDir(t);
    const w = workload(dir, { taskId: "mark", conf: { markerFile: `${dir}/markers`, ms: 3_000 } });
    driver.executor.queueWorkload(w);
    await driver.until(() => driver.of(w).some((e) => e.state === "running"), "the try to run");
    const ref = refOf(w, null, podNameFor(w.key));
    await waitUntil(() => false, "nothing", 1).catch(() => undefined);
    const live = await driver.executor.getTaskLog(ref, 1);
    assert.match(live.messages[0]!, /^from pod /);
    await driver.terminal(w);
    const after = await driver.executor.getTaskLog(ref, 1);
    assert.ok(after.lines.some((l) => l.includes("switchyard: starting")), after.lines.join("\n"));
    assert.ok(after.lines.some((l) => l.startsWith("switchyard-result: ")));
    assert.ok(podOf(env, w.key) !== undefined, "delete_pods = never keeps the pod");
    const gone = await driver.executor.getTaskLog(refOf(workload(dir, { taskId: "mark", runId: "never" }), null, null), 1);
    assert.match(gone.messages[0]!, /is gone from namespace default/);
  });

  it("delete_pods = on_success keeps a failed pod and deletes a succeeded one", async (t) => {
    const env = await kubeEnv(t);
    const driver = await started(t, executor(env, { delete_pods: "on_success" }), TIMEOUT);
    const dir = await tempDir(t);
    const ok = workload(dir, { taskId: "ok" });
    const bad = workload(dir, { taskId: "fail" });
    driver.executor.queueWorkload(ok);
    driver.executor.queueWorkload(bad);
    await driver.until(() => driver.terminalOf(ok) !== undefined && driver.terminalOf(bad) !== undefined, "both to end");
    assert.equal(driver.terminalOf(bad)!.info.error, "bash exited with code 3");
    await waitUntil(() => podOf(env, ok.key) === undefined, "the succeeded pod to be deleted", TIMEOUT);
    assert.equal(podOf(env, bad.key)?.status?.phase, "Failed");
  });
});

void ((_: TestContext) => undefined);
