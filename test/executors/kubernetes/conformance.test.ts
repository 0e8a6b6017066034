/**
 * The executor conformance suite against the KubernetesExecutor and the fake API server: one
 * server, and a namespace of its own for each executor the suite makes (its watch sees only its
 * pods); a restarted executor works in its predecessor's namespace.
 */
import { after, before } from "node:test";
import { KubernetesExecutor } from "../../../src/executors/kubernetes/executor.js";
import { executorConformance } from "../conformance.js";
import { context } from "../helpers.js";
import { kubeOptions, startKubeEnv, type KubeEnv } from "./support.js";

const NAMESPACES = Array.from({ length: 60 }, (_, i) => `conformance-${i}`);
let env: KubeEnv;
let next = 0;
before(async () => {
  env = await startKubeEnv({ fake: { namespaces: NAMESPACES } });
});
after(() => env.cleanup());

const namespaceOf = new WeakMap<object, string>();

function executorIn(namespace: string, parallelism: number): KubernetesExecutor {
  const executor = new KubernetesExecutor(context("KubernetesExecutor", kubeOptions(env, { namespace, parallelism })));
  namespaceOf.set(executor, namespace);
  return executor;
}

executorConformance("KubernetesExecutor", {
  triesOutliveScheduler: true,
  reportsPid: false,
  // Every try is a pod: a `switchyard tasks run` process start (Node, the CLI, the DAG) each.
  timeoutMs: 60_000,
  make(parallelism) {
    const namespace = NAMESPACES[next++];
    if (namespace === undefined) throw new Error("the suite made more executors than there are namespaces; add some");
    return executorIn(namespace, parallelism);
  },
  restarted(previous) {
    const namespace = namespaceOf.get(previous);
    if (namespace === undefined) throw new Error("restarted() was given an executor this suite did not make");
    return executorIn(namespace, previous.parallelism);
  },
});
