import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { Log } from "@kubernetes/client-node";
import { apiError, phaseIs, pod, startCluster, textStream, waitForPod, type WatchedPod } from "./helpers.js";

const terminated = (p: WatchedPod | "deleted") => (p === "deleted" ? undefined : p.status?.containerStatuses?.[0]?.state?.terminated);

test("a pod running sh -c 'echo hi; exit 3' goes Failed with exitCode 3, its log and its termination message", async (t) => {
  const c = await startCluster(t);
  await c.api.createNamespacedPod({ namespace: "default", body: pod("fails", ["sh", "-c", "echo hi; echo oops >&2; exit 3"]) });
  const done = await waitForPod(c, "fails", phaseIs("Succeeded", "Failed"));
  const pod1 = await c.api.readNamespacedPod({ name: "fails", namespace: "default" });
  assert.equal(pod1.status?.phase, "Failed");
  const state = pod1.status?.containerStatuses?.[0]?.state?.terminated;
  assert.equal(state?.exitCode, 3);
  assert.equal(state?.reason, "Error");
  assert.equal(state?.message, "hi\noops\n", "FallbackToLogsOnError: the log's tail on failure");
  assert.ok(state?.startedAt instanceof Date && state.finishedAt instanceof Date);
  assert.equal(terminated(done)?.exitCode, 3);
  assert.equal(pod1.status?.podIP, "127.0.0.1");
  assert.equal(pod1.spec?.nodeName, "fake-node");
  assert.deepEqual(
    pod1.status?.conditions?.map((cond) => [cond.type, cond.status, cond.reason]),
    [
      ["PodReadyToStartContainers", "False", undefined],
      ["Initialized", "True", undefined],
      ["Ready", "False", "PodCompleted"],
      ["ContainersReady", "False", "PodCompleted"],
      ["PodScheduled", "True", undefined],
    ],
  );
  assert.equal(await c.api.readNamespacedPodLog({ name: "fails", namespace: "default" }), "hi\noops\n");
  assert.equal(await c.api.readNamespacedPodLog({ name: "fails", namespace: "default", container: "base", tailLines: 1 }), "oops\n");
  assert.equal(await c.api.readNamespacedPodLog({ name: "fails", namespace: "default", limitBytes: 4 }), "hi\no");
  const stamped = await c.api.readNamespacedPodLog({ name: "fails", namespace: "default", timestamps: true });
  assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z hi\n\S+ oops\n$/);

  await c.api.createNamespacedPod({ namespace: "default", body: pod("ok", ["sh", "-c", "echo fine"]) });
  const ok = await waitForPod(c, "ok", phaseIs("Succeeded", "Failed"));
  assert.equal(ok !== "deleted" && ok.status?.phase, "Succeeded");
  assert.equal(terminated(ok)?.reason, "Completed");
  assert.equal(terminated(ok)?.message, undefined, "no message on success");
});

test("a pod's env is the base env, then the container's env with $(VAR) expansion and fieldRefs; args expand too", async (t) => {
  const c = await startCluster(t, { env: { PATH: process.env.PATH, BASE_ONLY: "from-base", SHARED: "base" }, cwd: "/tmp" });
  await c.api.createNamespacedPod({
    namespace: "default",
    body: {
      metadata: { name: "envy", labels: { team: "blue" }, annotations: { note: "hello" } },
      spec: {
        restartPolicy: "Never",
        containers: [
          {
            name: "base",
            image: "busybox",
            // Expanded args reach sh as positional parameters, so sh does not expand them again.
            command: ["sh", "-c", 'echo "$BASE_ONLY|$SHARED|$REF|$POD|$NS|$TEAM|$NOTE|$1|$2|$3|$(pwd)"', "sh"],
            args: ["$(SHARED)", "$$(SHARED)", "$(BASE_ONLY)"],
            env: [
              { name: "SHARED", value: "container" },
              { name: "REF", value: "$(SHARED)-x-$(MISSING)" },
              { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
              { name: "NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
              { name: "TEAM", valueFrom: { fieldRef: { fieldPath: "metadata.labels['team']" } } },
              { name: "NOTE", valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
            ],
          },
        ],
      },
    },
  });
  await waitForPod(c, "envy", phaseIs("Succeeded", "Failed"));
  const log = await c.api.readNamespacedPodLog({ name: "envy", namespace: "default" });
  // $(SHARED) comes from the container env; $$ escapes; $(BASE_ONLY) is not the container's own, so
  // it stays as written; $(pwd) is left for sh, which runs in the server's cwd option.
  assert.equal(log, "from-base|container|container-x-$(MISSING)|envy|default|blue|hello|container|$(SHARED)|$(BASE_ONLY)|/tmp\n");
});

test("log follow streams lines while the pod runs and ends when the container ends (client-node Log and raw HTTP)", async (t) => {
  const c = await startCluster(t);
  const gate = join(c.dir, "gate");
  await c.api.createNamespacedPod({ namespace: "default", body: pod("talker", ["sh", "-c", `echo one; while [ ! -e ${gate} ]; do sleep 0.02; done; echo two`]) });
  await waitForPod(c, "talker", phaseIs("Running"));
  const raw = await textStream(`${c.kube.url}/api/v1/namespaces/default/pods/talker/log?follow=true`);
  const sink = new PassThrough();
  let viaClient = "";
  sink.on("data", (chunk: Buffer) => (viaClient += chunk.toString()));
  const sinkEnded = new Promise<void>((resolve) => sink.on("end", () => resolve()));
  await new Log(c.kc).log("default", "talker", "base", sink, { follow: true });
  await raw.waitFor("one\n");
  assert.equal((await c.api.readNamespacedPod({ name: "talker", namespace: "default" })).status?.phase, "Running");
  await writeFile(gate, "");
  await raw.ended;
  assert.equal(raw.text(), "one\ntwo\n");
  await sinkEnded;
  assert.equal(viaClient, "one\ntwo\n");
});

test("a running pod deleted gets SIGTERM, shows deletionTimestamp, then goes; one ignoring SIGTERM is killed after its grace period", async (t) => {
  const c = await startCluster(t);
  await c.api.createNamespacedPod({ namespace: "default", body: pod("polite", ["sh", "-c", 'trap "echo got TERM; exit 0" TERM; echo up; while true; do sleep 0.02; done']) });
  await waitForPod(c, "polite", phaseIs("Running"));
  const log = await textStream(`${c.kube.url}/api/v1/namespaces/default/pods/polite/log?follow=true`);
  await log.waitFor("up\n");
  const marked = await c.api.deleteNamespacedPod({ name: "polite", namespace: "default" });
  assert.ok(marked.metadata?.deletionTimestamp);
  await log.waitFor("got TERM\n");
  assert.equal(await waitForPod(c, "polite", () => false), "deleted");

  await c.api.createNamespacedPod({ namespace: "default", body: pod("stubborn", ["sh", "-c", 'trap "" TERM; echo up; while true; do sleep 0.02; done']) });
  await waitForPod(c, "stubborn", phaseIs("Running"));
  // Running means the process started, not that its shell has set the trap yet: wait for its word.
  const stubbornLog = await textStream(`${c.kube.url}/api/v1/namespaces/default/pods/stubborn/log?follow=true`);
  await stubbornLog.waitFor("up\n");
  const started = Date.now();
  await c.api.deleteNamespacedPod({ name: "stubborn", namespace: "default", gracePeriodSeconds: 1 });
  const killed = await waitForPod(c, "stubborn", (p) => terminated(p) !== undefined);
  assert.equal(terminated(killed)?.exitCode, 137, "SIGKILL after the grace period");
  assert.ok(Date.now() - started >= 900, "not before the grace period");
  assert.equal(await waitForPod(c, "stubborn", () => false), "deleted");
});

test("a command that cannot start fails the pod with StartError; restartPolicy OnFailure restarts a failing container", async (t) => {
  const c = await startCluster(t);
  await c.api.createNamespacedPod({ namespace: "default", body: pod("nobin", ["/no/such/binary"]) });
  const failed = await waitForPod(c, "nobin", phaseIs("Failed"));
  assert.equal(terminated(failed)?.exitCode, 128);
  assert.equal(terminated(failed)?.reason, "StartError");
  assert.match(terminated(failed)?.message ?? "", /no\/such\/binary/);

  await c.api.createNamespacedPod({ namespace: "default", body: pod("flaky", ["sh", "-c", "echo try; exit 1"], { restartPolicy: "OnFailure" }) });
  const restarted = await waitForPod(c, "flaky", (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2);
  assert.equal(restarted !== "deleted" && restarted.status?.phase, "Running");
  assert.equal(await c.api.readNamespacedPodLog({ name: "flaky", namespace: "default", previous: true }), "try\n");
});

test("logs of a pod whose container has not started: 400 with the kubelet's message", async (t) => {
  const c = await startCluster(t, { startDelayMs: 60_000 });
  await c.api.createNamespacedPod({ namespace: "default", body: pod("slow", ["true"]) });
  await waitForPod(c, "slow", (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "ContainerCreating");
  const err = await apiError(c.api.readNamespacedPodLog({ name: "slow", namespace: "default" }));
  assert.equal(err.code, 400);
  assert.equal(err.body.message, 'container "base" in pod "slow" is waiting to start: ContainerCreating');
  const wrong = await apiError(c.api.readNamespacedPodLog({ name: "slow", namespace: "default", container: "other" }));
  assert.equal(wrong.body.message, "container other is not valid for pod slow");
});
