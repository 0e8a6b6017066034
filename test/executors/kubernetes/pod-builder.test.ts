import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import { InvalidPodSpecError, PodTemplateError } from "../../../src/executors/kubernetes/errors.js";
import { keyOfAnnotations, labelValue, podNameFor, tryLabels, trySelector } from "../../../src/executors/kubernetes/labels.js";
import { buildPod, deepMerge, tryCommand, type PodBuildInput } from "../../../src/executors/kubernetes/pod-builder.js";
import { findResult } from "../../../src/executors/kubernetes/pod-result.js";
import { judgePod } from "../../../src/executors/kubernetes/pod-state.js";
import { loadPodTemplate } from "../../../src/executors/kubernetes/pod-template.js";
import { DEFAULT_FATAL_PENDING_REASONS } from "../../../src/executors/kubernetes/options.js";
import { workload } from "../helpers.js";

const input: PodBuildInput = { executor: "k8s", namespace: "jobs", image: "switchyard:1", template: null, schedulerJob: 7 };
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

describe("pod names and labels", () => {
  const keys = [
    { dagId: "etl", taskId: "load", runId: "manual__2026-01-01T00:00:00+00:00", mapIndex: -1, tryNumber: 1 },
    { dagId: "Übung_DAG", taskId: "数据_加载", runId: "r", mapIndex: 3, tryNumber: 12 },
    { dagId: "x".repeat(300), taskId: "_".repeat(300), runId: "-".repeat(300), mapIndex: 0, tryNumber: 1 },
    { dagId: "...", taskId: "---", runId: "___", mapIndex: -1, tryNumber: 2 },
  ];
  it("makes valid, distinct DNS-1123 pod names and label values whatever the ids", () => {
    const names = new Set<string>();
    for (const key of keys) {
      const name = podNameFor(key);
      assert.match(name, DNS_SUBDOMAIN, name);
      assert.ok(name.length <= 63, name);
      names.add(name);
      for (const [k, v] of Object.entries(tryLabels("k8s", key, 7))) assert.match(v, LABEL_VALUE, `${k}=${v}`);
      for (const v of Object.values(tryLabels("k8s", key, 7))) assert.ok(v.length <= 63);
    }
    assert.equal(names.size, keys.length);
    assert.notEqual(podNameFor(keys[0]!), podNameFor({ ...keys[0]!, tryNumber: 2 }), "each try its own pod");
  });
  it("keeps label values that are valid as they are, hashes the others so that cut ids do not collide", () => {
    assert.equal(labelValue("etl_daily"), "etl_daily");
    assert.notEqual(labelValue(`${"a".repeat(70)}1`), labelValue(`${"a".repeat(70)}2`));
    assert.equal(trySelector("k8s", keys[0]!).includes("map_index=none"), true);
  });
});

describe("buildPod", () => {
  it("puts the template, the executor's image and namespace, the podOverride and the executor's own fields together", () => {
    const w = workload("/tmp/x", {
      taskId: "ok",
      conf: { price: "$(HOME) costs $5" },
      executorConfig: {
        podOverride: {
          metadata: { annotations: { team: "ml" }, labels: { tier: "gpu" } },
          spec: {
            nodeSelector: { gpu: "a100" },
            tolerations: [{ key: "gpu", operator: "Exists" }],
            containers: [{ name: "base", image: "ml:2", resources: { limits: { cpu: "2", memory: "4Gi", "nvidia.com/gpu": 1 } } }, { name: "sidecar", image: "proxy:1" }],
          },
        },
      },
    });
    const template = { apiVersion: "v1", kind: "Pod", metadata: { labels: { app: "etl" } }, spec: { serviceAccountName: "runner", containers: [{ name: "base", image: "tmpl:1", env: [{ name: "A", value: "1" }] }] } };
    const pod = buildPod(w, { ...input, template });
    const base = pod.spec!.containers.find((c) => c.name === "base")!;
    assert.equal(base.image, "ml:2", "podOverride wins over the executor's image, which wins over the template's");
    assert.deepEqual(base.env, [{ name: "A", value: "1" }]);
    assert.deepEqual(base.resources?.limits, { cpu: "2", memory: "4Gi", "nvidia.com/gpu": 1 });
    assert.equal(pod.spec!.containers.length, 2);
    assert.equal(pod.spec!.serviceAccountName, "runner");
    assert.deepEqual(pod.spec!.nodeSelector, { gpu: "a100" });
    assert.equal(pod.spec!.restartPolicy, "Never");
    assert.equal(base.terminationMessagePolicy, "FallbackToLogsOnError");
    assert.equal(pod.metadata!.namespace, "jobs");
    assert.equal(pod.metadata!.name, podNameFor(w.key));
    assert.equal(pod.metadata!.labels!["app"], "etl");
    assert.equal(pod.metadata!.labels!["tier"], "gpu");
    assert.equal(pod.metadata!.labels!["switchyard-scheduler-job"], "7");
    assert.equal(pod.metadata!.annotations!["team"], "ml");
    assert.deepEqual(keyOfAnnotations(pod.metadata!.annotations), w.key);
    assert.deepEqual(base.command, ["switchyard"]);
    const args = base.args!;
    assert.deepEqual(args.slice(0, 9), ["tasks", "run", "exec_tasks", "ok", "run1", "--try", "1", "--map-index", "-1"]);
    assert.equal(args[9], "--workload");
    // Kubernetes turns "$$" into "$": the pod sees the workload as it was.
    assert.ok(args[10]!.includes("$$(HOME) costs $$5"));
    assert.deepEqual(JSON.parse(args[10]!.replaceAll("$$", "$")), JSON.parse(JSON.stringify(w)));
    assert.deepEqual(tryCommand(w).args, args);
  });

  const invalid: Array<[string, unknown, string]> = [
    ["containers not a list", { spec: { containers: { name: "base" } } }, "executorConfig.podOverride.spec.containers: must be a list of containers"],
    ["a bad quantity", { spec: { containers: [{ name: "base", resources: { limits: { cpu: "two" } } }] } }, "executorConfig.podOverride.spec.containers[0].resources.limits.cpu: is not a resource quantity"],
    ["a numeric env value", { spec: { containers: [{ name: "base", env: [{ name: "N", value: 3 }] }] } }, "executorConfig.podOverride.spec.containers[0].env[0].value: must be a string"],
    ["a numeric label", { metadata: { labels: { n: 3 } } }, "executorConfig.podOverride.metadata.labels.n: must be a string"],
    ["a bad label value", { metadata: { labels: { n: "a b" } } }, "executorConfig.podOverride.metadata.labels.n: is not a label value"],
    ["nodeSelector a list", { spec: { nodeSelector: ["gpu"] } }, "executorConfig.podOverride.spec.nodeSelector: must be a map of strings"],
    ["not an object", "big", "executorConfig.podOverride: must be an object"],
  ];
  for (const [what, podOverride, message] of invalid) {
    it(`rejects a podOverride with ${what}, naming the field`, () => {
      assert.throws(
        () => buildPod(workload("/tmp/x", { taskId: "ok", executorConfig: { podOverride } }), input),
        (e: unknown) => e instanceof InvalidPodSpecError && e.message.includes(message),
        message,
      );
    });
  }

  it("says which container has no image", () => {
    assert.throws(
      () => buildPod(workload("/tmp/x", { taskId: "ok" }), { ...input, image: null }),
      (e: unknown) => e instanceof InvalidPodSpecError && e.message.includes('pod.spec.containers[0].image: the "base" container has no image; set image in [executors.k8s]'),
    );
  });

  it("merges named lists by name and replaces other lists", () => {
    assert.deepEqual(
      deepMerge({ containers: [{ name: "a", x: 1 }, { name: "b" }], args: ["1"] }, { containers: [{ name: "b", y: 2 }, { name: "c" }], args: ["2"] }),
      { containers: [{ name: "a", x: 1 }, { name: "b", y: 2 }, { name: "c" }], args: ["2"] },
    );
  });
});

describe("loadPodTemplate", () => {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-tmpl-"));
  it("reads YAML and JSON", () => {
    writeFileSync(join(dir, "p.yaml"), "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: base\n      image: a:1\n");
    writeFileSync(join(dir, "p.json"), JSON.stringify({ spec: { containers: [{ name: "base", image: "b:1" }] } }));
    assert.equal((loadPodTemplate(join(dir, "p.yaml"), "k8s")["spec"] as { containers: Array<{ image: string }> }).containers[0]!.image, "a:1");
    assert.equal((loadPodTemplate(join(dir, "p.json"), "k8s")["spec"] as { containers: Array<{ image: string }> }).containers[0]!.image, "b:1");
  });
  it("names the file and the field of a bad template, or says it is missing", () => {
    writeFileSync(join(dir, "bad.yaml"), "spec:\n  containers: base\n");
    assert.throws(() => loadPodTemplate(join(dir, "bad.yaml"), "k8s"), (e: unknown) => e instanceof PodTemplateError && e.message.includes(`pod_template_file: ${join(dir, "bad.yaml")}.spec.containers: must be a list`));
    assert.throws(() => loadPodTemplate(join(dir, "none.yaml"), "k8s"), (e: unknown) => e instanceof PodTemplateError && e.message.includes("cannot read"));
    writeFileSync(join(dir, "junk.yaml"), "a: [1, 2\n");
    assert.throws(() => loadPodTemplate(join(dir, "junk.yaml"), "k8s"), (e: unknown) => e instanceof PodTemplateError && e.message.includes("not YAML or JSON"));
  });
});

describe("judgePod", () => {
  const pod = (status: V1Pod["status"]): V1Pod => ({ metadata: { name: "p" }, status });
  const reasons = DEFAULT_FATAL_PENDING_REASONS;
  it("maps phases as Airflow does, with fatal pending reasons, evictions and deletion", () => {
    assert.equal(judgePod(pod({ phase: "Pending" }), reasons).kind, "pending");
    assert.equal(judgePod(pod({ phase: "Pending", containerStatuses: [{ name: "base", image: "x", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "ImagePullBackOff" } } }] }), reasons).kind, "fatal-pending");
    assert.equal(judgePod(pod({ phase: "Pending", containerStatuses: [{ name: "base", image: "x", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } }] }), reasons).kind, "pending");
    assert.equal(judgePod(pod({ phase: "Running" }), reasons).kind, "running");
    assert.equal(judgePod(pod({ phase: "Succeeded" }), reasons).kind, "succeeded");
    assert.equal(judgePod(pod({ phase: "Failed" }), reasons).kind, "failed");
    assert.equal(judgePod(pod({ phase: "Failed", reason: "Evicted", message: "low on memory" }), reasons).kind, "evicted");
    assert.equal(judgePod(pod({ phase: "Running", conditions: [{ type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler" }] }), reasons, true).kind, "evicted");
    assert.equal(judgePod(pod({ phase: "Running" }), reasons, true).kind, "failed");
  });
  it("finds the result line in a log tail", () => {
    assert.deepEqual(findResult('line\nswitchyard-result: {"state":"success","info":{"returnValue":1}}\n'), { state: "success", info: { returnValue: 1 } });
    assert.equal(findResult("no result"), null);
  });
});
