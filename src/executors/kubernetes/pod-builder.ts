import type { V1Pod } from "@kubernetes/client-node";
import type { Workload } from "../../common/workload.js";
import { InvalidPodSpecError } from "./errors.js";
import { podNameFor, tryAnnotations, tryLabels } from "./labels.js";
import { podProblem } from "./pod-spec.js";

/** The container that runs the try; a template or podOverride names it to change it. */
export const BASE_CONTAINER = "base";

/** The flag of `switchyard tasks run` that carries the whole workload (see src/cli/commands/tasks.ts). */
export const WORKLOAD_FLAG = "--workload";

export interface PodBuildInput {
  readonly executor: string;
  readonly namespace: string;
  readonly image: string | null;
  /** The parsed pod template file, already checked (podTemplate.ts), or null. */
  readonly template: Readonly<Record<string, unknown>> | null;
  readonly schedulerJob: number | null;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Lists merged by the `name` of their items (a podOverride changes one container, env var or volume); any other list is replaced. */
const MERGED_BY_NAME = new Set(["containers", "initContainers", "env", "volumes", "volumeMounts", "ports"]);

/**
 * `override` deep-merged onto `base` (neither is changed): objects key by key, lists of named
 * items item by item (matched by name, new names appended), any other value replaced.
 */
export function deepMerge(base: unknown, override: unknown, key = ""): unknown {
  if (isObject(base) && isObject(override)) {
    const out: Json = { ...base };
    for (const [k, v] of Object.entries(override)) out[k] = k in base ? deepMerge(base[k], v, k) : structuredClone(v);
    return out;
  }
  if (MERGED_BY_NAME.has(key) && Array.isArray(base) && Array.isArray(override) && [...base, ...override].every((i) => isObject(i) && typeof i["name"] === "string")) {
    const out = base.map((item) => structuredClone(item) as Json);
    for (const item of override as Json[]) {
      const at = out.findIndex((o) => o["name"] === item["name"]);
      if (at >= 0) out[at] = deepMerge(out[at], item) as Json;
      else out.push(structuredClone(item));
    }
    return out;
  }
  return structuredClone(override);
}

/** The `executorConfig.podOverride` of a workload, checked; {} when it has none. */
export function podOverrideOf(workload: Pick<Workload, "executorConfig">): Json {
  const override = workload.executorConfig["podOverride"];
  if (override === undefined || override === null) return {};
  const problem = podProblem(override, "executorConfig.podOverride");
  if (problem !== null) throw new InvalidPodSpecError("podOverride", problem);
  return override as Json;
}

/** Kubernetes expands $(VAR) in a container's command and args; "$$" is its escape for "$". */
const escapeExpansion = (s: string) => s.replaceAll("$", () => "$$");

/** The command line of a try's pod: `switchyard tasks run … --workload <json>` (the pod's contract, docs/executors/kubernetes.md). */
export function tryCommand(workload: Workload): { command: string[]; args: string[] } {
  const { key } = workload;
  return {
    command: ["switchyard"],
    args: ["tasks", "run", key.dagId, key.taskId, key.runId, "--try", String(key.tryNumber), "--map-index", String(key.mapIndex), WORKLOAD_FLAG, JSON.stringify(workload)].map(escapeExpansion),
  };
}

/**
 * The pod of one try: the template, then the executor's namespace and image, then the task's
 * podOverride, then what the executor owns (name, labels, the `base` container's command,
 * restartPolicy Never, terminationMessagePolicy FallbackToLogsOnError). Pure: no API call. Throws
 * InvalidPodSpecError naming the field when the result is not a pod this executor can run.
 */
export function buildPod(workload: Workload, input: PodBuildInput): V1Pod {
  const override = podOverrideOf(workload);
  let pod = (input.template === null ? { apiVersion: "v1", kind: "Pod", metadata: {}, spec: { containers: [{ name: BASE_CONTAINER }] } } : structuredClone(input.template)) as Json;
  if (!isObject(pod["spec"])) pod["spec"] = {};
  const spec0 = pod["spec"] as Json;
  if (!Array.isArray(spec0["containers"])) spec0["containers"] = [];
  const containers0 = spec0["containers"] as Json[];
  if (!containers0.some((c) => c["name"] === BASE_CONTAINER)) containers0.unshift({ name: BASE_CONTAINER });
  if (input.image !== null) containers0.find((c) => c["name"] === BASE_CONTAINER)!["image"] = input.image;
  pod = deepMerge(pod, override) as Json;

  const merged = podProblem(pod, "pod");
  if (merged !== null) throw new InvalidPodSpecError("pod", `${merged} (pod_template_file merged with executorConfig.podOverride)`);
  const metadata = (isObject(pod["metadata"]) ? pod["metadata"] : {}) as Json;
  const spec = pod["spec"] as Json;
  const containers = spec["containers"] as Json[];
  const base = containers.find((c) => c["name"] === BASE_CONTAINER);
  if (base === undefined) {
    throw new InvalidPodSpecError("pod", `pod.spec.containers: no container named "${BASE_CONTAINER}" (the one that runs the try); names: ${containers.map((c) => JSON.stringify(c["name"])).join(", ")}`);
  }
  if (typeof base["image"] !== "string") {
    throw new InvalidPodSpecError(
      "pod",
      `pod.spec.containers[${containers.indexOf(base)}].image: the "${BASE_CONTAINER}" container has no image; set image in [executors.${input.executor}], in pod_template_file or in executorConfig.podOverride`,
    );
  }
  Object.assign(base, tryCommand(workload), { terminationMessagePolicy: "FallbackToLogsOnError" });
  spec["restartPolicy"] = "Never";
  pod["apiVersion"] = "v1";
  pod["kind"] = "Pod";
  pod["metadata"] = {
    ...metadata,
    name: podNameFor(workload.key),
    namespace: input.namespace,
    labels: { ...((metadata["labels"] as Record<string, string> | undefined) ?? {}), ...tryLabels(input.executor, workload.key, input.schedulerJob) },
    annotations: { ...((metadata["annotations"] as Record<string, string> | undefined) ?? {}), ...tryAnnotations(workload.key, workload.token) },
  };
  delete (pod["metadata"] as Json)["generateName"];
  return pod as V1Pod;
}
