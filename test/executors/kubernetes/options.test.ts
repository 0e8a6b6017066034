import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ExecutorOptionsError } from "../../../src/executors/errors.js";
import { compileKubernetesExecutorOptions, DEFAULT_FATAL_PENDING_REASONS } from "../../../src/executors/kubernetes/options.js";

const ctx = { executor: "k8s", defaultParallelism: 32, home: "/srv/home" };
const compile = (raw: Record<string, unknown>) => compileKubernetesExecutorOptions(raw, ctx);

describe("KubernetesExecutor options", () => {
  it("fills defaults", () => {
    const o = compile({});
    assert.equal(o.namespace, "default");
    assert.equal(o.image, null);
    assert.equal(o.deletePods, "always");
    assert.equal(o.creationBatchSize, 10);
    assert.equal(o.pendingTimeoutMs, 300_000);
    assert.equal(o.maxEvictionRetries, 3);
    assert.equal(o.parallelism, 32);
    assert.deepEqual(o.fatalPendingReasons, DEFAULT_FATAL_PENDING_REASONS);
    assert.equal(o.kubeconfig, null);
  });

  it("resolves paths against $SWITCHYARD_HOME and accepts environment strings", () => {
    const o = compile({ kubeconfig: "kube/config", pod_template_file: "/etc/pod.yaml", creation_batch_size: "5", fatal_pending_reasons: "ErrImagePull, Unschedulable" });
    assert.equal(o.kubeconfig, "/srv/home/kube/config");
    assert.equal(o.podTemplateFile, "/etc/pod.yaml");
    assert.equal(o.creationBatchSize, 5);
    assert.deepEqual(o.fatalPendingReasons, ["ErrImagePull", "Unschedulable"]);
  });

  const bad: Array<[Record<string, unknown>, string, string]> = [
    [{ namespace: "My_NS" }, "namespace", "[executors.k8s] namespace: must be a DNS-1123 label"],
    [{ delete_pods: "sometimes" }, "delete_pods", '[executors.k8s] delete_pods: must be one of "always", "on_success", "never" (got "sometimes")'],
    [{ creation_batch_size: 0 }, "creation_batch_size", "[executors.k8s] creation_batch_size: must be an integer >= 1"],
    [{ pending_timeout: -5 }, "pending_timeout", "[executors.k8s] pending_timeout: must be an integer >= 1"],
    [{ max_eviction_retries: 1.5 }, "max_eviction_retries", "must be an integer >= 0"],
    [{ fatal_pending_reasons: [1] }, "fatal_pending_reasons.0", "[executors.k8s] fatal_pending_reasons.0: must hold strings"],
    [{ parallelism: 0 }, "parallelism", "[executors.k8s] parallelism: must be an integer >= 1"],
    [{ image: "" }, "image", "[executors.k8s] image: must not be empty"],
    [{ namespce: "x" }, "namespce", "[executors.k8s] 'namespce': unknown key; valid keys: namespace, image, pod_template_file, kubeconfig, context, delete_pods"],
  ];
  for (const [raw, key, message] of bad) {
    it(`rejects ${JSON.stringify(raw)} naming ${key}`, () => {
      assert.throws(
        () => compile(raw),
        (e: unknown) => e instanceof ExecutorOptionsError && e.key === key && e.message.includes(message),
        message,
      );
    });
  }
});
