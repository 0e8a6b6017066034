/**
 * The KubernetesExecutor end to end: a scheduler (the real CLI) with the fake API server, pods
 * running `switchyard tasks run --workload` from a home of their own with no database; the
 * scheduler SIGKILLed while a pod runs; `switchyard kubernetes generate-pod` and `cleanup-pods`.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import fs from "node:fs";
import { describe, it, type TestContext } from "node:test";
import { CoreV1Api, KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { podNameFor } from "../../../src/executors/kubernetes/labels.js";
import { eventually, Home, TEST_DB, type AuditRow } from "../../support/home.js";
import { dagFile } from "../../worker/helpers.js";
import { BOGUS_DATABASE, kubeEnv, kubeSection, type KubeEnv } from "./support.js";

/** As test/worker/scheduler-restart.test.ts: a dead scheduler is found within seconds. */
const SHORT_LEASE = `job_heartbeat_sec = 0.5
scheduler_health_check_threshold = 6
task_heartbeat_timeout = 2
zombie_detection_interval = 0.5
orphaned_tasks_check_interval = 0.5
`;

const DAG = dagFile(
  "kube",
  `d.bash("ok", "echo hello from a pod");
d.bash("fail", "echo about to fail; exit 3");
d.fn("ret", async () => ({ rows: 42 }));
d.bash("heavy", "echo heavy", { executorConfig: { podOverride: { metadata: { labels: { team: "ml" } }, spec: { nodeSelector: { gpu: "yes" }, containers: [{ name: "base", resources: { limits: { cpu: "500m", memory: "64Mi" } } }] } } } });
d.bash("bad", "echo never", { executorConfig: { podOverride: { spec: { containers: [{ name: "base", resources: { limits: { cpu: "lots" } } }] } } } });`,
  "{ defaults: { executor: \"KubernetesExecutor\" } }",
);

/** A scheduler home and a fake API server whose pods have the same DAG in a home of their own. */
async function setup(t: TestContext, opts: { dags?: Record<string, string>; section?: Record<string, unknown>; scheduler?: string } = {}): Promise<{ env: KubeEnv; home: Home }> {
  const dags = opts.dags ?? { "kube.ts": DAG };
  const env = await kubeEnv(t, { podToml: `[core]\ndags_folder = "dags"\n${BOGUS_DATABASE}`, podDags: dags });
  const home = new Home({
    toml: `[core]\nexecutor = "KubernetesExecutor"\n[scheduler]\nidle_wake_interval = 0.2\n${opts.scheduler ?? ""}${kubeSection("KubernetesExecutor", env, opts.section)}`,
    dags,
  });
  t.after(() => home.cleanup());
  await home.ok(["db", "init"]);
  return { env, home };
}

describe(`KubernetesExecutor with a scheduler (${TEST_DB})`, () => {
  it("runs tasks in pods: success, failure with its reason, an fn's return value, an invalid podOverride failed before anything is sent; logs through the executor", async (t) => {
    const { env, home } = await setup(t, { section: { delete_pods: "never" } });
    const { states, runState } = await home.runDag("kube", "r1");
    assert.equal(runState, "failed");
    assert.equal(states.get("ok")?.state, "success");
    assert.equal(states.get("ret")?.state, "success");
    assert.equal(states.get("heavy")?.state, "success");
    assert.equal(states.get("fail")?.state, "failed");
    assert.equal(states.get("bad")?.state, "failed");
    const audit = await home.json<AuditRow[]>(["dags", "audit-log", "kube"]);
    const reason = (task: string) => audit.filter((a) => a.taskId === task && a.toState === "failed").map((a) => a.reason ?? "").join(" | ");
    assert.match(reason("fail"), /bash exited with code 3/);
    assert.match(reason("bad"), /executorConfig\.podOverride\.spec\.containers\[0\]\.resources\.limits\.cpu: is not a resource quantity/);
    const created = env.fake.requestCounts()["create pods"];
    assert.equal(created, 4, "one pod per valid try, none for the invalid podOverride");
    const rv = home.query<{ return_value: string | null }>("select return_value from task_instance where dag_id = 'kube' and task_id = 'ret'")[0]?.return_value;
    assert.deepEqual(JSON.parse(rv ?? "null"), { rows: 42 });
    const heavy = env.fake.pods().find((p) => p.metadata?.labels?.["task_id"] === "heavy")!;
    assert.equal(heavy.spec?.nodeSelector?.["gpu"], "yes");
    assert.equal(heavy.metadata?.labels?.["team"], "ml");
    // The try ran in the pod, whose log folder is not the scheduler's: `tasks logs` asks the executor.
    const log = await home.ok(["tasks", "logs", "kube", "fail", "r1"]);
    assert.match(log, /about to fail/);
    assert.match(log, /kube\.fail run=r1 try=1 failed: bash exited with code 3/);
  });

  /**
   * A gated bash try running in its pod under a scheduler that is then SIGKILLed: the orphan the
   * next scheduler must adopt. `open()` lets the try end; `ranOnce()` checks it ran once, as try 1.
   */
  async function orphanedPod(t: TestContext, dagId: string) {
    const { env, home } = await setup(t, { dags: {}, scheduler: SHORT_LEASE });
    const markers = home.file("markers.txt");
    const gate = home.file("go");
    const command = `echo "start $SWITCHYARD_TRY_NUMBER" >> ${markers}; while [ ! -e ${gate} ]; do sleep 0.05; done; echo "end $SWITCHYARD_TRY_NUMBER" >> ${markers}`;
    const dag = dagFile(dagId, `d.bash("slow", ${JSON.stringify(command)});`, '{ defaults: { executor: "KubernetesExecutor" } }');
    home.writeDag(`${dagId}.ts`, dag);
    fs.writeFileSync(`${env.podHome}/dags/${dagId}.ts`, dag);
    await home.ok(["dags", "trigger", dagId, "--run-id", "r1"]);
    const first = home.spawn(["scheduler"]);
    const name = podNameFor({ dagId, runId: "r1", taskId: "slow", mapIndex: -1, tryNumber: 1 });
    await eventually("the pod to run the try", async () => fs.existsSync(markers) && env.fake.pods().some((p) => p.metadata?.name === name && p.status?.phase === "Running"), 60_000);
    assert.equal(home.query<{ external_executor_id: string }>(`select external_executor_id from task_instance where dag_id = '${dagId}'`)[0]?.external_executor_id, name, "the pod name is on the TI");
    const firstJob = env.fake.pods().find((p) => p.metadata?.name === name)!.metadata!.labels!["switchyard-scheduler-job"];
    first.child.kill("SIGKILL");
    await once(first.child, "exit");
    const adopted = () => eventually("the next scheduler to adopt the pod", async () => (await home.json<AuditRow[]>(["dags", "audit-log", dagId])).find((a) => a.event === "adopted"), 60_000);
    const open = () => fs.writeFileSync(gate, "");
    const ranOnce = async () => {
      const [ti] = await home.states(dagId, "r1");
      assert.deepEqual([ti?.state, ti?.tryNumber], ["success", 1]);
      assert.equal(env.fake.requestCounts()["create pods"], 1, "the running pod was adopted, not created again");
      assert.deepEqual(fs.readFileSync(markers, "utf8").trim().split("\n"), ["start 1", "end 1"], "it ran once");
    };
    return { env, home, name, firstJob, adopted, open, ranOnce };
  }

  it("a scheduler SIGKILLed while a pod runs: the next one adopts the pod by label and name (not created again), and it finishes as try 1", async (t) => {
    const { env, home, name, firstJob, adopted, open, ranOnce } = await orphanedPod(t, "outlive");
    const second = home.spawn(["scheduler", "--exit-when-idle"]);
    assert.equal((await adopted()).tryNumber, 1);
    await eventually("the pod to be re-labelled with the new scheduler job", async () => {
      const job = env.fake.pods().find((p) => p.metadata?.name === name)?.metadata?.labels?.["switchyard-scheduler-job"];
      return job !== undefined && job !== firstJob;
    }, 30_000);
    open();
    const r = await second.done;
    assert.equal(r.code, 0, r.stderr);
    await ranOnce();
  });

  it("a pod list that fails during adoption resets nothing: the orphan waits for the next check and its pod is adopted, not run again", async (t) => {
    const { env, home, adopted, open, ranOnce } = await orphanedPod(t, "listfail");
    // Enough failed lists for the watcher's retries (200 ms, doubling) and the first adoption checks alike.
    env.fake.inject({ kind: "status", verb: "list", code: 500, times: 8 });
    const second = home.spawn(["scheduler", "--exit-when-idle"]);
    await adopted();
    open();
    const r = await second.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /could not look for 1 orphaned task instance\(s\) to adopt; they are left as they are until the next check: could not list pods for adoption/);
    await ranOnce();
  });

  it("generate-pod prints a pod the API server accepts; bad arguments fail with a clear error", async (t) => {
    const { env, home } = await setup(t);
    const json = await home.ok(["kubernetes", "generate-pod", "kube", "heavy", "-o", "json"]);
    const pod = JSON.parse(json) as V1Pod;
    assert.equal(pod.spec?.containers[0]?.resources?.limits?.["cpu"], "500m");
    const yaml = await home.ok(["kubernetes", "generate-pod", "kube", "heavy"]);
    assert.match(yaml, /^apiVersion: v1\nkind: Pod\n/);
    const kc = new KubeConfig();
    kc.loadFromFile(env.kubeconfig);
    const created = await kc.makeApiClient(CoreV1Api).createNamespacedPod({ namespace: "default", body: pod });
    assert.equal(created.metadata?.name, pod.metadata?.name);
    for (const [args, message] of [
      [["kubernetes", "generate-pod", "kube", "nope"], "DAG 'kube' has no task 'nope'"],
      [["kubernetes", "generate-pod", "nodag", "ok"], "no DAG named 'nodag'"],
      [["kubernetes", "generate-pod", "kube", "bad"], "executorConfig.podOverride.spec.containers[0].resources.limits.cpu"],
      [["kubernetes", "generate-pod", "kube", "ok", "--executor", "k9s"], '--executor "k9s" is not an entry of [core] executor; KubernetesExecutors configured: KubernetesExecutor'],
      [["kubernetes", "generate-pod", "kube", "ok", "-o", "xml"], "argument 'xml' is invalid"],
    ] as const) {
      const r = await home.run([...args]);
      assert.notEqual(r.code, 0, args.join(" "));
      assert.ok(r.stderr.includes(message), `${args.join(" ")}: ${r.stderr}`);
      assert.equal(r.stdout, "");
    }
  });

  it("cleanup-pods deletes the finished pods of this deployment and says how many", async (t) => {
    const { env, home } = await setup(t, { section: { delete_pods: "never" } });
    await home.runDag("kube", "r1");
    const finished = env.fake.pods().filter((p) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed").length;
    assert.equal(finished, 4);
    assert.equal((await home.ok(["kubernetes", "cleanup-pods"])).trim(), "deleted 4 finished pod(s) in namespace default");
    await eventually("the pods to be gone", async () => env.fake.pods().length === 0, 30_000);
    assert.equal((await home.ok(["kubernetes", "cleanup-pods"])).trim(), "deleted 0 finished pod(s) in namespace default");
  });
});
