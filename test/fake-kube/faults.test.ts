import assert from "node:assert/strict";
import { test } from "node:test";
import { apiError, phaseIs, pod, startCluster, textStream, waitForPod, type WatchedPod } from "./helpers.js";

const waiting = (p: WatchedPod) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason;

test("status faults: 429 with Retry-After, 500, 503, 409 on create; one-shot unless times says otherwise", async (t) => {
  const c = await startCluster(t);
  c.kube.inject({ kind: "status", verb: "create", code: 429, retryAfterSeconds: 7 });
  const throttled = await apiError(c.api.createNamespacedPod({ namespace: "default", body: pod("a", ["true"]) }));
  assert.equal(throttled.code, 429);
  assert.equal(throttled.headers["retry-after"], "7");
  assert.equal(throttled.body.reason, "TooManyRequests");
  assert.deepEqual(throttled.body.details, { retryAfterSeconds: 7 });
  assert.deepEqual(c.kube.pods(), [], "a faulted create stores nothing");
  await c.api.createNamespacedPod({ namespace: "default", body: pod("a", ["true"]) });

  c.kube.inject({ kind: "status", verb: "create", code: 409 });
  const exists = await apiError(c.api.createNamespacedPod({ namespace: "default", body: pod("b", ["true"]) }));
  assert.equal(exists.code, 409);
  assert.equal(exists.body.reason, "AlreadyExists");
  assert.equal(exists.body.message, 'pods "b" already exists');

  c.kube.inject({ kind: "status", verb: "get", code: 500, times: 2 });
  for (let i = 0; i < 2; i++) {
    const internal = await apiError(c.api.readNamespacedPod({ name: "a", namespace: "default" }));
    assert.equal(internal.code, 500);
    assert.equal(internal.body.reason, "InternalError");
  }
  assert.equal((await c.api.readNamespacedPod({ name: "a", namespace: "default" })).metadata?.name, "a");

  c.kube.inject({ kind: "status", verb: "list", code: 503 });
  const unavailable = await apiError(c.api.listNamespacedPod({ namespace: "default" }));
  assert.equal(unavailable.code, 503);
  assert.equal(unavailable.body.reason, "ServiceUnavailable");
  assert.equal(unavailable.headers["retry-after"], "1");

  c.kube.inject({ kind: "status", verb: "delete", code: 409 });
  const conflict = await apiError(c.api.deleteNamespacedPod({ name: "a", namespace: "default" }));
  assert.equal(conflict.body.reason, "Conflict");
  c.kube.inject({ kind: "status", verb: "get", resource: "pods/log", code: 500 });
  assert.equal((await apiError(c.api.readNamespacedPodLog({ name: "a", namespace: "default" }))).code, 500);
  c.kube.inject({ kind: "status", verb: "patch", code: 500 });
  c.kube.clearFaults();
  assert.equal((await c.api.listNamespacedPod({ namespace: "default" })).items.length, 1);
});

test("evict: the pod's process is killed, phase Failed, reason Evicted, DisruptionTarget by the kubelet", async (t) => {
  const c = await startCluster(t);
  await c.api.createNamespacedPod({ namespace: "default", body: pod("victim", ["sleep", "60"]) });
  await waitForPod(c, "victim", phaseIs("Running"));
  c.kube.inject({ kind: "evict", pod: "victim" });
  const evicted = await waitForPod(c, "victim", phaseIs("Failed"));
  assert.ok(evicted !== "deleted");
  assert.equal(evicted.status?.reason, "Evicted");
  assert.match(evicted.status?.message ?? "", /^The node was low on resource: memory\./);
  const disruption = evicted.status?.conditions?.find((cond) => cond.type === "DisruptionTarget");
  assert.equal(disruption?.status, "True");
  assert.equal(disruption?.reason, "TerminationByKubelet");
  assert.equal(evicted.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 137);
  assert.equal(c.kube.pods().length, 1, "an evicted pod stays until someone deletes it");
  assert.throws(() => c.kube.inject({ kind: "evict", pod: "ghost" }), /no pod default\/ghost/);
});

test("preempt: DisruptionTarget with reason PreemptionByScheduler, then the pod is deleted", async (t) => {
  const c = await startCluster(t);
  // Ignores SIGTERM, so it lives through its 1 s grace period and the test can see it marked.
  const body = pod("low", ["sh", "-c", 'trap "" TERM; echo up; while true; do sleep 0.02; done']);
  body.spec!.terminationGracePeriodSeconds = 1;
  await c.api.createNamespacedPod({ namespace: "default", body });
  await waitForPod(c, "low", phaseIs("Running"));
  // Running means the process started, not that its shell has set the trap yet: wait for its word.
  await (await textStream(`${c.kube.url}/api/v1/namespaces/default/pods/low/log?follow=true`)).waitFor("up\n");
  c.kube.inject({ kind: "preempt", pod: "low" });
  const marked = await waitForPod(c, "low", (p) => p.status?.conditions?.some((cond) => cond.type === "DisruptionTarget") ?? false);
  assert.ok(marked !== "deleted");
  const cond = marked.status?.conditions?.find((x) => x.type === "DisruptionTarget");
  assert.equal(cond?.reason, "PreemptionByScheduler");
  assert.ok(marked.metadata?.deletionTimestamp, "preemption deletes the pod gracefully");
  assert.equal(await waitForPod(c, "low", () => false), "deleted");
});

test("image-pull: ErrImagePull then ImagePullBackOff, alternating, the pod stays Pending and never runs", async (t) => {
  const c = await startCluster(t, { imagePullBackoffMs: 30 });
  c.kube.inject({ kind: "image-pull", image: "registry.example/missing:1" });
  await c.api.createNamespacedPod({ namespace: "default", body: pod("pull", ["sh", "-c", "echo ran"], { image: "registry.example/missing:1" }) });
  const first = await waitForPod(c, "pull", (p) => waiting(p) === "ErrImagePull");
  assert.ok(first !== "deleted");
  assert.match(first.status?.containerStatuses?.[0]?.state?.waiting?.message ?? "", /registry\.example\/missing:1/);
  const backoff = await waitForPod(c, "pull", (p) => waiting(p) === "ImagePullBackOff");
  assert.ok(backoff !== "deleted");
  assert.equal(backoff.status?.phase, "Pending");
  assert.equal(backoff.status?.containerStatuses?.[0]?.state?.waiting?.message, 'Back-off pulling image "registry.example/missing:1"');
  await waitForPod(c, "pull", (p) => waiting(p) === "ErrImagePull");
  const log = await apiError(c.api.readNamespacedPodLog({ name: "pull", namespace: "default" }));
  assert.equal(log.body.message, 'container "base" in pod "pull" is waiting to start: trying and failing to pull image');
  // Other images are not affected.
  await c.api.createNamespacedPod({ namespace: "default", body: pod("fine", ["true"]) });
  await waitForPod(c, "fine", phaseIs("Succeeded"));
});

test("unschedulable: PodScheduled False with reason Unschedulable, no node, Pending", async (t) => {
  const c = await startCluster(t);
  c.kube.inject({ kind: "unschedulable", image: "gpu:1", times: 1 });
  await c.api.createNamespacedPod({ namespace: "default", body: pod("gpu", ["true"], { image: "gpu:1" }) });
  const stuck = await waitForPod(c, "gpu", (p) => p.status?.conditions?.some((cond) => cond.type === "PodScheduled") ?? false);
  assert.ok(stuck !== "deleted");
  assert.deepEqual(
    stuck.status?.conditions?.map((cond) => [cond.type, cond.status, cond.reason]),
    [["PodScheduled", "False", "Unschedulable"]],
  );
  assert.equal(stuck.status?.phase, "Pending");
  const read = await c.api.readNamespacedPod({ name: "gpu", namespace: "default" });
  assert.equal(read.spec?.nodeName, undefined);
  // times: 1 - the next pod with that image schedules.
  await c.api.createNamespacedPod({ namespace: "default", body: pod("gpu2", ["true"], { image: "gpu:1" }) });
  await waitForPod(c, "gpu2", phaseIs("Succeeded"));
  // An unscheduled pod is deleted at once.
  await c.api.deleteNamespacedPod({ name: "gpu", namespace: "default" });
  assert.equal((await apiError(c.api.readNamespacedPod({ name: "gpu", namespace: "default" }))).code, 404);
});

test("CreateContainerConfigError: injected by image, and from an env var that needs a Secret the fake does not have", async (t) => {
  const c = await startCluster(t);
  c.kube.inject({ kind: "create-container-config-error", image: "bad-config" });
  await c.api.createNamespacedPod({ namespace: "default", body: pod("cfg", ["true"], { image: "bad-config" }) });
  const injected = await waitForPod(c, "cfg", (p) => waiting(p) === "CreateContainerConfigError");
  assert.ok(injected !== "deleted");
  assert.equal(injected.status?.phase, "Pending");
  const body = pod("secret", ["true"]);
  body.spec!.containers[0]!.env = [{ name: "TOKEN", valueFrom: { secretKeyRef: { name: "creds", key: "token" } } }];
  await c.api.createNamespacedPod({ namespace: "default", body });
  const fromEnv = await waitForPod(c, "secret", (p) => waiting(p) === "CreateContainerConfigError");
  assert.ok(fromEnv !== "deleted");
  assert.equal(fromEnv.status?.containerStatuses?.[0]?.state?.waiting?.message, 'secret "creds" not found');
});
