/**
 * kubernetes: 500 independent tasks through the KubernetesExecutor against the fake API server
 * (test/support/fake-kube), which runs each pod's command as a local process. The pods run a stub
 * in place of `switchyard tasks run` (it prints the result line and exits 0): the figures are the
 * executor's and the API's cost per try, not Node's start-up in every pod, which a real cluster's
 * pod start-up (seconds) dwarfs anyway. Target (issue 11 §5): API calls per task, the shared
 * list-and-watch excluded, <= 3.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeKube } from "../test/support/fake-kube/index.js";
import { allowPlainHttp } from "../test/executors/kubernetes/support.js";
import { fanoutDag } from "./lib/dags.js";
import { benchTarget, describeConfig, type HomeConfig } from "./lib/home.js";
import { step } from "./lib/progress.js";
import type { Figure, ScenarioResult } from "./lib/report.js";
import { withSession } from "./lib/session.js";
import { throughput } from "./lib/timing.js";

export const KUBERNETES_TASKS = 500;
const PARALLELISM = 64;

/** Requests that are the shared watch's, not any one try's. */
const SHARED = new Set(["watch pods", "list pods"]);

export async function kubernetes(): Promise<ScenarioResult> {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-bench-k8s-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "switchyard"), `#!/bin/sh\necho 'switchyard-result: {"state":"success","info":{}}'\n`);
  chmodSync(join(bin, "switchyard"), 0o755);
  const fake = await startFakeKube({ env: { ...process.env, PATH: `${bin}:${process.env["PATH"] ?? ""}` }, cwd: dir });
  const kubeconfig = join(dir, "kubeconfig");
  await fake.writeKubeconfig(kubeconfig);
  allowPlainHttp(kubeconfig);
  const section = { kubeconfig, image: "bench:stub", parallelism: PARALLELISM, creation_batch_size: PARALLELISM };
  const config: HomeConfig = { executor: "KubernetesExecutor", parallelism: PARALLELISM, executors: { KubernetesExecutor: section } };
  const dags = { "kube_fanout.ts": fanoutDag("kube_fanout", KUBERNETES_TASKS, { kind: "bash" }) };

  step(`kubernetes: scheduler + the fake API server, ${KUBERNETES_TASKS} independent tasks, a pod each (parallelism ${PARALLELISM})`);
  let counts: Record<string, number>;
  const run = await withSession("kubernetes", config, dags, async (session) => {
    const before = fake.requestCounts();
    const r = await session.run("kube_fanout", { label: "kubernetes fanout" });
    const after = fake.requestCounts();
    counts = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => (v as number) > 0));
    return r;
  }).finally(async () => {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const n = run.tis.length;
  const perTry = Object.entries(counts!).filter(([k]) => !SHARED.has(k));
  const calls = perTry.reduce((sum, [, v]) => sum + v, 0);
  const failed = run.tis.filter((t) => t.state !== "success").length;
  const figures: Figure[] = [
    { name: "API calls per task (shared watch excluded)", unit: "calls", value: calls / n, target: { on: "value", op: "<=", limit: 3 } },
    { name: "tasks/s (first start to last end)", unit: "tasks/s", value: throughput(run.tis).perSecond },
    { name: "tasks/s (trigger to run done)", unit: "tasks/s", value: n / run.triggerToDoneSeconds },
    { name: "scheduler CPU per 1,000 TIs", unit: "s", value: (run.schedulerCpu / n) * 1000 },
  ];
  return {
    scenario: "kubernetes",
    title: `KubernetesExecutor: ${KUBERNETES_TASKS} independent tasks, a pod each, against the fake API server`,
    notes: [
      `config: ${describeConfig({ executor: "KubernetesExecutor", parallelism: PARALLELISM, executors: config.executors ?? {}, db: benchTarget().db })}`,
      `API requests during the run: ${Object.entries(counts!).map(([k, v]) => `${k} ${v}`).join(", ")}; per try: ${perTry.map(([k, v]) => `${k} ${(v / n).toFixed(2)}`).join(", ")}`,
      "pods run a stub `switchyard` (prints the result line, exits 0) as local processes of the fake server, which moves each pod Pending -> Running -> Succeeded; a real cluster adds seconds of pod start-up per try (Kubernetes' SLO: p99 <= 5 s)",
      `${failed} of ${n} tries did not succeed`,
    ],
    figures,
  };
}
