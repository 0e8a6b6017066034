import { dumpYaml, type V1Pod } from "@kubernetes/client-node";
import { SwitchyardError } from "../../common/errors.js";
import type { SwitchyardConfig } from "../../config/types.js";
import { manualFirstTry, parseOneTask } from "../../scheduler/task-test.js";
import { runnerFoldersOf } from "../../config/runner-folders.js";
import { apiFailure, coreApi, describeFailure, loadKubeConfig } from "./client.js";
import { kubernetesTarget } from "./entries.js";
import { KubernetesExecutor } from "./executor.js";
import { executorSelector } from "./labels.js";

/** A KubernetesExecutor for a command: options compiled, no API call made. */
function executorFor(config: SwitchyardConfig, wanted: string | undefined, preferred: string | null = null): KubernetesExecutor {
  const { name, options } = kubernetesTarget(config, wanted, preferred);
  return new KubernetesExecutor({
    name,
    options,
    defaultParallelism: config.core.parallelism,
    home: config.home,
    folders: runnerFoldersOf(config),
  });
}

/** `switchyard kubernetes generate-pod`: the pod a task's try would get, from a fresh parse of its DAG; no API call. */
export async function generatePod(config: SwitchyardConfig, dagId: string, taskId: string, opts: { executor?: string; output: "yaml" | "json" }): Promise<string> {
  const { dag, task } = await parseOneTask(config, dagId, taskId);
  const executor = executorFor(config, opts.executor, task.executor);
  const workload = manualFirstTry(config, dag, task, { logicalDate: Date.now(), conf: {}, token: "generated-by-switchyard-kubernetes-generate-pod" });
  const pod: V1Pod = executor.buildPod(workload);
  return opts.output === "json" ? JSON.stringify(pod, null, 2) : dumpYaml(pod);
}

/** `switchyard kubernetes cleanup-pods`: delete this executor's finished (Succeeded or Failed) pods; returns how many. */
export async function cleanupPods(config: SwitchyardConfig, opts: { executor?: string; namespace?: string }): Promise<{ deleted: number; namespace: string; failures: string[] }> {
  const executor = executorFor(config, opts.executor);
  const namespace = opts.namespace ?? executor.options.namespace;
  const api = coreApi(loadKubeConfig(executor.options));
  let pods: V1Pod[];
  try {
    pods = (await api.listNamespacedPod({ namespace, labelSelector: executorSelector(executor.name.name) })).items;
  } catch (error) {
    throw new SwitchyardError("K8S_API", `could not list pods in namespace ${namespace}: ${describeFailure(apiFailure(error))}`);
  }
  const finished = pods.filter((p) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed");
  let deleted = 0;
  const failures: string[] = [];
  for (const pod of finished) {
    try {
      await api.deleteNamespacedPod({ name: pod.metadata!.name!, namespace });
      deleted++;
    } catch (error) {
      const f = apiFailure(error);
      if (f.status === 404) continue; // gone already
      failures.push(`${pod.metadata?.name}: ${describeFailure(f)}`);
    }
  }
  return { deleted, namespace, failures };
}
