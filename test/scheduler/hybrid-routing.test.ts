/**
 * The hybrids end to end with a scheduler and the fake Kubernetes API server (issue 11 §2, §4):
 * a LocalKubernetesExecutor and a BullMQKubernetesExecutor (a real `switchyard worker` on Redis)
 * each route a DAG's tasks by queue; and one DAG whose tasks run on LocalExecutor, BullMQExecutor
 * and KubernetesExecutor in one run (the multi-executor model the hybrids' docs recommend).
 * Where each try ran is checked from outside the scheduler: the TI's executor, the worker's log,
 * and the pods the API server holds (delete_pods = "never" keeps them).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import { Home, TEST_DB, type TiState } from "../support/home.js";
import { assertRedisAnswers, executorSection, REDIS_URL, startWorker } from "../executors/bullmq/support.js";
import { BOGUS_DATABASE, kubeSection, startKubeEnv, type KubeEnv } from "../executors/kubernetes/support.js";
import { dagFile, Fleet } from "../worker/helpers.js";

/** Pods find the DAG files in their own home's dags folder, as an image built with them would. */
const POD_TOML = `[core]\ndags_folder = "dags"\n[logging]\nbase_log_folder = "logs"\n${BOGUS_DATABASE}`;

/** Task ids whose pods the API server holds, by the label the executor puts on them. */
function podTasks(env: KubeEnv, dagId: string): string[] {
  return env.fake
    .pods()
    .filter((p: V1Pod) => p.metadata?.annotations?.["dag_id"] === dagId)
    .map((p: V1Pod) => p.metadata!.annotations!["task_id"]!)
    .sort();
}

function succeededPods(env: KubeEnv, dagId: string): number {
  return env.fake.pods().filter((p: V1Pod) => p.metadata?.annotations?.["dag_id"] === dagId && p.status?.phase === "Succeeded").length;
}

function assertAllSucceeded(states: Map<string, TiState>, expected: Record<string, string>, output: string): void {
  assert.deepEqual([...states.keys()].sort(), Object.keys(expected).sort());
  for (const [task, executor] of Object.entries(expected)) {
    const s = states.get(task)!;
    assert.equal(s.state, "success", `${task}: ${JSON.stringify(s)}\n${output}`);
    assert.equal(s.executor, executor, task);
  }
}

describe(`hybrid executors route by queue with a scheduler (${TEST_DB})`, () => {
  before(() => assertRedisAnswers());

  it("LocalKubernetesExecutor: queue kubernetes_queue gets a pod, every other queue runs locally; explain-routing says which side and why", async () => {
    const body = [
      `const a = d.bash("local_a", "echo local a");`,
      `const b = d.bash("pod_b", "echo pod b", { queue: "pods" });`,
      `const c = d.fn("local_c", () => 3, { queue: "io" });`,
      `const e = d.bash("pod_e", "echo pod e", { queue: "pods" });`,
      `a.then(b, c); b.then(e);`,
    ].join("\n");
    const dag = dagFile("lk_dag", body, `{ defaults: { executor: "lk" } }`);
    const env = await startKubeEnv({ podToml: POD_TOML, podDags: { "lk.ts": dag } });
    const toml =
      `[core]\nexecutor = "LocalExecutor,lk:LocalKubernetesExecutor"\n[scheduler]\nidle_wake_interval = 0.2\n` +
      `[executors.lk]\nkubernetes_queue = "pods"\n[executors.lk.local]\nparallelism = 4\n` +
      kubeSection("lk.kubernetes", env, { delete_pods: "never" });
    const home = new Home({ toml, dags: { "lk.ts": dag } });
    try {
      const { states, runState, scheduler } = await home.runDag("lk_dag");
      assert.equal(runState, "success", scheduler.stderr);
      assertAllSucceeded(states, { local_a: "lk", pod_b: "lk", local_c: "lk", pod_e: "lk" }, scheduler.stderr);
      assert.deepEqual(podTasks(env, "lk_dag"), ["pod_b", "pod_e"], "only the kubernetes_queue tries got pods");
      assert.equal(succeededPods(env, "lk_dag"), 2);
      for (const pod of env.fake.pods()) assert.equal(pod.metadata?.labels?.["switchyard.dev/executor"], "lk.kubernetes", "the side's pods carry its full name");

      const routing = JSON.parse(await home.ok(["dags", "explain-routing", "lk_dag", "-o", "json"])) as { tasks: Array<{ taskId: string; side: string | null; reason: string }> };
      const row = (id: string) => routing.tasks.find((t) => t.taskId === id)!;
      assert.equal(row("pod_b").side, "kubernetes");
      assert.match(row("pod_b").reason, /queue "pods" == its kubernetes_queue: its Kubernetes side runs it/);
      assert.equal(row("local_c").side, "local");
      assert.match(row("local_c").reason, /queue "io" != its kubernetes_queue "pods": its local side runs it/);
      assert.match(await home.ok(["dags", "explain-routing", "lk_dag"]), /pod_b\s+lk \(LocalKubernetesExecutor\) kubernetes side/);

      // Logs come from the side that ran the try: the pod's log for a pod try.
      const log = await home.ok(["tasks", "logs", "lk_dag", "pod_b", "r1"]);
      assert.match(log, /pod b/);
      // The Kubernetes command group works on a hybrid's side by the hybrid's name.
      const pod = JSON.parse(await home.ok(["kubernetes", "generate-pod", "lk_dag", "pod_b", "-o", "json", "--executor", "lk"])) as V1Pod;
      assert.equal(pod.metadata?.labels?.["switchyard.dev/executor"], "lk.kubernetes");
      const cleanup = await home.ok(["kubernetes", "cleanup-pods", "--executor", "lk"]);
      assert.match(cleanup, /2/);
      assert.deepEqual(podTasks(env, "lk_dag"), [], "cleanup-pods removed the side's finished pods");
    } finally {
      home.cleanup();
      await env.cleanup();
    }
  });

  it("BullMQKubernetesExecutor: queue kubernetes_queue gets a pod, the others go to a `switchyard worker` of its BullMQ side", async () => {
    const body = [
      `const a = d.bash("fleet_a", "echo fleet a");`,
      `const b = d.bash("pod_b", "echo pod b", { queue: "kubernetes" });`,
      `const c = d.bash("fleet_c", "echo fleet c", { queue: "io" });`,
      `a.then(b).then(c);`,
    ].join("\n");
    const dag = dagFile("bk_dag", body, `{ defaults: { executor: "bk" } }`);
    const env = await startKubeEnv({ podToml: POD_TOML, podDags: { "bk.ts": dag } });
    const fleet = new Fleet();
    try {
      const bullmq = `[executors.bk.bullmq]\nredis_url = "${REDIS_URL}"\nprefix = "${fleet.prefix}"\nworker_timeout = 5\n`;
      const toml = `[core]\nexecutor = "bk:BullMQKubernetesExecutor"\n[scheduler]\nidle_wake_interval = 0.2\n${bullmq}${kubeSection("bk.kubernetes", env, { delete_pods: "never" })}`;
      const hybridHome = new Home({ toml, dags: { "bk.ts": dag } });
      try {
        // A worker of the hybrid's BullMQ side: its home names the hybrid, the first BullMQ side configured.
        const worker = await startWorker({
          toml: `[core]\nexecutor = "bk:BullMQKubernetesExecutor"\n${BOGUS_DATABASE}${bullmq}`,
          prefix: fleet.prefix,
          name: "bk-worker",
          queues: "default,io",
          dags: { "bk.ts": dag },
        });
        fleet.workers.push(worker);
        const { states, runState, scheduler } = await hybridHome.runDag("bk_dag");
        assert.equal(runState, "success", `${scheduler.stderr}\n${fleet.output()}`);
        assertAllSucceeded(states, { fleet_a: "bk", pod_b: "bk", fleet_c: "bk" }, scheduler.stderr);
        assert.equal(states.get("fleet_a")!.worker, "bk-worker");
        assert.equal(states.get("fleet_c")!.worker, "bk-worker");
        assert.notEqual(states.get("pod_b")!.worker, "bk-worker");
        const out = worker.output();
        assert.ok(out.includes("bk_dag.fleet_a run=r1 try=1: success") && out.includes("bk_dag.fleet_c run=r1 try=1: success"), out);
        assert.ok(!out.includes("bk_dag.pod_b"), "the pod's try never reached the worker");
        assert.deepEqual(podTasks(env, "bk_dag"), ["pod_b"]);
        assert.equal(succeededPods(env, "bk_dag"), 1);
      } finally {
        hybridHome.cleanup();
      }
    } finally {
      await fleet.cleanup();
      await env.cleanup();
    }
  });

  it("one DAG on LocalExecutor, BullMQExecutor and KubernetesExecutor in one run: each task on the executor it names", async () => {
    const body = [
      `const a = d.bash("on_local", "echo local", { executor: "LocalExecutor" });`,
      `const b = d.bash("on_fleet", "echo fleet", { executor: "fleet" });`,
      `const c = d.bash("on_k8s", "echo k8s", { executor: "k8s" });`,
      `const e = d.fn("join", () => "joined");`,
      `a.then(b, c); b.then(e); c.then(e);`,
    ].join("\n");
    const dag = dagFile("three", body);
    const env = await startKubeEnv({ podToml: POD_TOML, podDags: { "three.ts": dag } });
    const fleet = new Fleet();
    try {
      const toml =
        `[core]\nexecutor = "LocalExecutor,fleet:BullMQExecutor,k8s:KubernetesExecutor"\n[scheduler]\nidle_wake_interval = 0.2\n` +
        executorSection("fleet", fleet.prefix) +
        kubeSection("k8s", env, { delete_pods: "never" });
      const home = new Home({ toml, dags: { "three.ts": dag } });
      try {
        const worker = await startWorker({
          toml: `[core]\nexecutor = "fleet:BullMQExecutor"\n${BOGUS_DATABASE}${executorSection("fleet", fleet.prefix)}`,
          prefix: fleet.prefix,
          name: "three-worker",
          dags: { "three.ts": dag },
        });
        fleet.workers.push(worker);
        const { states, runState, scheduler } = await home.runDag("three");
        assert.equal(runState, "success", `${scheduler.stderr}\n${fleet.output()}`);
        assertAllSucceeded(states, { on_local: "LocalExecutor", on_fleet: "fleet", on_k8s: "k8s", join: "LocalExecutor" }, scheduler.stderr);
        assert.equal(states.get("on_fleet")!.worker, "three-worker");
        assert.ok(worker.output().includes("three.on_fleet run=r1 try=1: success"), worker.output());
        assert.ok(!worker.output().includes("three.on_local") && !worker.output().includes("three.on_k8s"));
        assert.deepEqual(podTasks(env, "three"), ["on_k8s"], "only the KubernetesExecutor's task got a pod");
        assert.equal(succeededPods(env, "three"), 1);
        assert.equal(typeof states.get("on_local")!.pid, "number", "the local try ran in a runner process of the scheduler's machine");
      } finally {
        home.cleanup();
      }
    } finally {
      await fleet.cleanup();
      await env.cleanup();
    }
  });
});
