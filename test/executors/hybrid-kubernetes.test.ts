/**
 * The built-in hybrids with their real sides: the LocalExecutor or BullMQExecutor, and the
 * KubernetesExecutor against the fake API server (one server; a namespace of its own for each
 * executor, so its watch sees only its pods). The conformance suite runs through each side whose
 * kind matches what the hybrid declares: a LocalKubernetesExecutor's Local side (its tries die
 * with the scheduler), and a BullMQKubernetesExecutor's Kubernetes side (both sides outlive it),
 * reached by making kubernetes_queue the suite's queue, "default".
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { parseExecutorNames } from "../../src/config/executor-names.js";
import type { ExecutorClass } from "../../src/executors/brand.js";
import { loadHybridClass } from "../../src/executors/hybrid/builtins.js";
import type { HybridExecutor } from "../../src/executors/hybrid/hybrid-executor.js";
import { KubernetesExecutor } from "../../src/executors/kubernetes/executor.js";
import { LocalExecutor } from "../../src/executors/local.js";
import { loadExecutors } from "../../src/executors/loader.js";
import { partsOf } from "../../src/executors/scheduler-executor.js";
import { loadConfig } from "../../src/config/load.js";
import { assertRedisAnswers, deletePrefix, REDIS_URL, testPrefix } from "./bullmq/support.js";
import { executorConformance, refOf, started } from "./conformance.js";
import { builtinName, context, tempDir, workload } from "./helpers.js";
import { kubeOptions, startKubeEnv, type KubeEnv } from "./kubernetes/support.js";

const NAMESPACES = Array.from({ length: 60 }, (_, i) => `hybrid-${i}`);
let env: KubeEnv;
let next = 0;
let LocalKubernetes: ExecutorClass;
let BullMQKubernetes: ExecutorClass;
const prefixes: string[] = [];

before(async () => {
  assertRedisAnswers();
  env = await startKubeEnv({ fake: { namespaces: NAMESPACES } });
  LocalKubernetes = await loadHybridClass("LocalKubernetesExecutor");
  BullMQKubernetes = await loadHybridClass("BullMQKubernetesExecutor");
});
after(async () => {
  await env.cleanup();
  for (const prefix of prefixes) await deletePrefix(prefix);
});

function namespace(): string {
  const ns = NAMESPACES[next++];
  if (ns === undefined) throw new Error("the tests made more executors than there are namespaces; add some");
  return ns;
}

const madeIn = new WeakMap<object, { namespace: string; prefix?: string }>();

function localKubernetes(parallelism: number, ns = namespace(), extra: Record<string, unknown> = {}): HybridExecutor {
  const executor = new LocalKubernetes({
    ...context("LocalKubernetesExecutor", { local: { parallelism }, kubernetes: kubeOptions(env, { namespace: ns, parallelism }), ...extra }),
    name: builtinName("LocalKubernetesExecutor", "lk"),
  }) as HybridExecutor;
  madeIn.set(executor, { namespace: ns });
  return executor;
}

function bullmqKubernetes(parallelism: number, ns = namespace(), prefix = testPrefix()): HybridExecutor {
  prefixes.push(prefix);
  const executor = new BullMQKubernetes({
    ...context("BullMQKubernetesExecutor", {
      kubernetes_queue: "default",
      bullmq: { redis_url: REDIS_URL, prefix, parallelism, worker_timeout: 5 },
      kubernetes: kubeOptions(env, { namespace: ns, parallelism }),
    }),
    name: builtinName("BullMQKubernetesExecutor", "bk"),
  }) as HybridExecutor;
  madeIn.set(executor, { namespace: ns, prefix });
  return executor;
}

executorConformance("LocalKubernetesExecutor (Local side)", { make: (p) => localKubernetes(p) });

executorConformance("BullMQKubernetesExecutor (Kubernetes side)", {
  triesOutliveScheduler: true,
  reportsPid: false,
  make: (p) => bullmqKubernetes(p),
  restarted(previous) {
    const where = madeIn.get(previous);
    if (where === undefined) throw new Error("restarted() was given an executor this suite did not make");
    return bullmqKubernetes(previous.parallelism, where.namespace, where.prefix);
  },
});

describe("the built-in hybrids", () => {
  it("load from [core] executor as one executor whose parts are the two sides, named <hybrid>.<side>", async (t) => {
    const home = await tempDir(t);
    const config = loadConfig({
      home,
      env: {
        SWITCHYARD__CORE__EXECUTOR: "LocalExecutor,lk:LocalKubernetesExecutor",
        SWITCHYARD__EXECUTORS__LK__KUBERNETES_QUEUE: "pods",
        SWITCHYARD__EXECUTORS__LK__KUBERNETES: `{ kubeconfig = "${env.kubeconfig}", image = "switchyard:test" }`,
      },
    });
    const set = await loadExecutors(config);
    const lk = set.lookup("lk") as HybridExecutor;
    assert.equal(lk.constructor.name, "LocalKubernetesExecutor");
    assert.equal(lk.kubernetesQueue, "pods");
    assert.equal(set.lookup("LocalKubernetesExecutor"), lk, "found by class name too");
    assert.ok(lk.other instanceof LocalExecutor);
    assert.ok(lk.kubernetes instanceof KubernetesExecutor);
    assert.deepEqual(partsOf(lk).map((p) => p.name.name), ["lk.local", "lk.kubernetes"]);
    assert.deepEqual(partsOf(lk).map((p) => p.triesOutliveScheduler), [false, true]);
    assert.equal(lk.triesOutliveScheduler, false);
    assert.deepEqual([lk.servesLogs, lk.supportsPickling], [true, false], "Airflow's LocalKubernetesExecutor flags: its Local side's");
    assert.equal(lk.parallelism, config.core.parallelism, "the Local side's parallelism, [core] parallelism by default");
    assert.deepEqual(parseExecutorNames(["lk:LocalKubernetesExecutor"], home).map((n) => n.className), ["LocalKubernetesExecutor"]);
  });

  it("LocalKubernetesExecutor: a pod only for kubernetes_queue; a lost lease stops the Local try and releases the pod, which a restarted executor adopts (the Local TI it hands back)", async (t) => {
    const dir = await tempDir(t);
    const ns = namespace();
    // The pod runs until its gate opens, after the adoption; finished pods are kept.
    const first = localKubernetes(2, ns, { kubernetes: kubeOptions(env, { namespace: ns, parallelism: 2, delete_pods: "never" }) });
    const driver = await started(t, first);
    const gateFile = `${dir}/gate`;
    const onPod = { ...workload(dir, { taskId: "gated", runId: "pod", conf: { markerFile: `${dir}/marks`, gateFile } }), queue: "kubernetes" };
    const onLocal = workload(dir, { taskId: "sleep", runId: "local" });
    first.queueWorkload(onPod);
    first.queueWorkload(onLocal);
    await driver.until(() => driver.of(onPod).some((e) => e.state === "running") && driver.of(onLocal).some((e) => e.state === "running"), "both tries running", 30_000);
    const pods = env.fake.pods(ns);
    assert.equal(pods.length, 1, "one pod: the kubernetes_queue try's");
    assert.equal(pods[0]!.metadata?.annotations?.["run_id"], "pod");
    const podName = first.externalIdFor(onPod) ?? pods[0]!.metadata!.name!;

    // What the scheduler does on a lost lease, part by part.
    for (const part of partsOf(first)) {
      if (part.triesOutliveScheduler) await part.releaseAll();
      else for (const key of part.heldTries()) await part.revokeTask({ key, state: "running", externalExecutorId: null, queue: "", pid: null, hostname: null }, "lease lost");
    }
    assert.equal(first.heldTries().length, 0);
    assert.equal(env.fake.pods(ns).length, 1, "the released pod runs on");
    await first.terminate();

    const second = localKubernetes(2, ns, { kubernetes: kubeOptions(env, { namespace: ns, parallelism: 2, delete_pods: "never" }) });
    const driver2 = await started(t, second);
    const notAdopted = await second.tryAdoptTaskInstances([refOf(onPod, null, podName), refOf(onLocal)]);
    assert.deepEqual(notAdopted.map((r) => r.key.runId), ["local"]);
    await writeFile(gateFile, "");
    const end = await driver2.terminal(onPod, 30_000);
    assert.equal(end.state, "success");
    const log = await second.getTaskLog(refOf(onPod), 1);
    assert.deepEqual(log, await second.kubernetes.getTaskLog(refOf(onPod), 1), "the pod's log, from the Kubernetes side");
  });
});
