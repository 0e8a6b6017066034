import { resolve } from "node:path";
import { z } from "../../common/zod.js";
import { compileExecutorSection, intSetting } from "../options.js";

/** `[executors.<name>]` settings of a KubernetesExecutor. */
export interface KubernetesExecutorOptions {
  /** Namespace the pods are created in. @defaultValue "default" */
  namespace?: string;
  /** Image of the container `base`, unless the template or a task's podOverride sets one. @defaultValue none: the template must name one */
  image?: string;
  /** A pod (YAML or JSON) every try's pod starts from; relative to $SWITCHYARD_HOME. @defaultValue none */
  pod_template_file?: string;
  /** Kubeconfig file; relative to $SWITCHYARD_HOME. @defaultValue in-cluster config when KUBERNETES_SERVICE_HOST is set, else ~/.kube/config (KUBECONFIG) */
  kubeconfig?: string;
  /** Context of the kubeconfig to use. @defaultValue its current-context */
  context?: string;
  /** Which finished pods the executor deletes. @defaultValue "always" */
  delete_pods?: DeletePods;
  /** Most pods created per heartbeat. @defaultValue 10 */
  creation_batch_size?: number;
  /** Seconds a pod may stay Pending before its try is revoked and failed. @defaultValue 300 */
  pending_timeout?: number;
  /** Waiting reasons of a Pending container that fail the try at once. @defaultValue DEFAULT_FATAL_PENDING_REASONS */
  fatal_pending_reasons?: string[];
  /** Most times one task instance is re-run because its pod was evicted or preempted. @defaultValue 3 */
  max_eviction_retries?: number;
  /** Most pods this executor has at once. @defaultValue `[core] parallelism` */
  parallelism?: number;
}

export const DELETE_PODS = ["always", "on_success", "never"] as const;
export type DeletePods = (typeof DELETE_PODS)[number];

export const DEFAULT_FATAL_PENDING_REASONS = ["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError"] as const;

export interface CompiledKubernetesExecutorOptions {
  readonly namespace: string;
  readonly image: string | null;
  /** Absolute path, or null. */
  readonly podTemplateFile: string | null;
  /** Absolute path, or null (in-cluster or the default kubeconfig). */
  readonly kubeconfig: string | null;
  readonly context: string | null;
  readonly deletePods: DeletePods;
  readonly creationBatchSize: number;
  readonly pendingTimeoutMs: number;
  readonly fatalPendingReasons: readonly string[];
  readonly maxEvictionRetries: number;
  readonly parallelism: number;
}

/** A DNS-1123 label: what Kubernetes accepts as a namespace name. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const schema = z.object({
  namespace: z
    .string({ error: "must be a string: a namespace name" })
    .max(63, { error: "must be at most 63 characters (a DNS-1123 label)" })
    .regex(DNS_LABEL, { error: 'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit' })
    .optional(),
  image: z.string({ error: "must be a string: an image reference, e.g. registry.example.com/switchyard:1.0" }).min(1, { error: "must not be empty" }).optional(),
  pod_template_file: z.string({ error: "must be a string: the path of a pod YAML or JSON file" }).min(1, { error: "must not be empty" }).optional(),
  kubeconfig: z.string({ error: "must be a string: the path of a kubeconfig file" }).min(1, { error: "must not be empty" }).optional(),
  context: z.string({ error: "must be a string: a context of the kubeconfig" }).min(1, { error: "must not be empty" }).optional(),
  delete_pods: z.enum(DELETE_PODS, { error: `must be one of ${DELETE_PODS.map((v) => `"${v}"`).join(", ")}` }).optional(),
  creation_batch_size: intSetting(1, "an integer >= 1 (the most pods created per heartbeat)").optional(),
  pending_timeout: intSetting(1, "an integer >= 1 (seconds a pod may stay Pending)").optional(),
  // SWITCHYARD__EXECUTORS__X__FATAL_PENDING_REASONS arrives as a string: "A,B".
  fatal_pending_reasons: z
    .preprocess((v) => (typeof v === "string" ? v.split(",").map((s) => s.trim()).filter((s) => s !== "") : v), z.array(z.string({ error: "must hold strings" }).min(1, { error: "must not hold an empty reason" }), {
      error: `must be a list of container waiting reasons, e.g. ${JSON.stringify(DEFAULT_FATAL_PENDING_REASONS)}`,
    }))
    .optional(),
  max_eviction_retries: intSetting(0, "an integer >= 0 (re-runs of a task instance whose pod was evicted or preempted)").optional(),
  parallelism: intSetting(1, "an integer >= 1 (the most pods this executor has at once)").optional(),
});

/** Validate `[executors.<name>]` of a KubernetesExecutor and fill defaults; throws ExecutorOptionsError naming the key. */
export function compileKubernetesExecutorOptions(
  raw: Readonly<Record<string, unknown>>,
  context: { readonly executor: string; readonly defaultParallelism: number; readonly home: string },
): CompiledKubernetesExecutorOptions {
  const o: KubernetesExecutorOptions = compileExecutorSection(context.executor, schema, raw);
  const abs = (p: string | undefined) => (p === undefined ? null : resolve(context.home, p));
  return Object.freeze({
    namespace: o.namespace ?? "default",
    image: o.image ?? null,
    podTemplateFile: abs(o.pod_template_file),
    kubeconfig: abs(o.kubeconfig),
    context: o.context ?? null,
    deletePods: o.delete_pods ?? "always",
    creationBatchSize: o.creation_batch_size ?? 10,
    pendingTimeoutMs: (o.pending_timeout ?? 300) * 1000,
    fatalPendingReasons: Object.freeze([...(o.fatal_pending_reasons ?? DEFAULT_FATAL_PENDING_REASONS)]),
    maxEvictionRetries: o.max_eviction_retries ?? 3,
    parallelism: o.parallelism ?? context.defaultParallelism,
  });
}
