import { z } from "../../common/zod.js";
import { queueNameProblem } from "../../common/fleet-names.js";
import { isTable } from "../../config/text.js";
import { compileExecutorSection } from "../options.js";

/** The two hybrids' non-Kubernetes sides, by the sub-table that holds that side's options. */
export const OtherSide = {
  LOCAL: "local",
  BULLMQ: "bullmq",
} as const;
export type OtherSide = (typeof OtherSide)[keyof typeof OtherSide];

/** The sub-table holding the Kubernetes side's options. */
export const KUBERNETES_SIDE = "kubernetes";

/** Airflow's default, `[celery_kubernetes_executor] kubernetes_queue`. */
export const DEFAULT_KUBERNETES_QUEUE = "kubernetes";

/**
 * `[executors.<name>]` of a LocalKubernetesExecutor or a BullMQKubernetesExecutor. The two sides'
 * options are sub-tables, each holding exactly what that executor takes in its own section and
 * validated by that executor's own options compiler: `[executors.<name>.local]` (or `.bullmq`) and
 * `[executors.<name>.kubernetes]`.
 */
export interface HybridExecutorOptions {
  /** Tries whose queue is this one run on the Kubernetes side; every other queue on the other side. @defaultValue "kubernetes" */
  kubernetes_queue?: string;
  /** The non-Kubernetes side's options: `local` (LocalKubernetesExecutor) or `bullmq` (BullMQKubernetesExecutor). */
  local?: Record<string, unknown>;
  bullmq?: Record<string, unknown>;
  /** The KubernetesExecutor side's options. */
  kubernetes?: Record<string, unknown>;
}

export interface CompiledHybridExecutorOptions {
  readonly kubernetesQueue: string;
  /** The non-Kubernetes side's section, raw: its own executor validates it. */
  readonly other: Readonly<Record<string, unknown>>;
  /** The Kubernetes side's section, raw: the KubernetesExecutor validates it. */
  readonly kubernetes: Readonly<Record<string, unknown>>;
}

const subTable = (hybrid: string, side: string) =>
  z
    .custom<Record<string, unknown>>(isTable, {
      error: `must be a table: write [executors.${hybrid}.${side}] and that executor's keys below it`,
    })
    .optional();

/**
 * Validate a hybrid's own keys (kubernetes_queue, and that each side's options are a table); the
 * sides' keys are left to their executors. Throws ExecutorOptionsError naming the key.
 */
export function compileHybridExecutorOptions(
  raw: Readonly<Record<string, unknown>>,
  context: { readonly executor: string; readonly otherSide: OtherSide },
): CompiledHybridExecutorOptions {
  const schema = z.object({
    kubernetes_queue: z
      .string({ error: "must be a string: the queue whose tries run on Kubernetes" })
      .refine((q) => queueNameProblem(q) === null, {
        error: (issue) => `${queueNameProblem(String(issue.input)) ?? "is invalid"} (it is a task's queue name, e.g. "kubernetes")`,
      })
      .optional(),
    [context.otherSide]: subTable(context.executor, context.otherSide),
    [KUBERNETES_SIDE]: subTable(context.executor, KUBERNETES_SIDE),
  });
  const options = compileExecutorSection(context.executor, schema, raw) as HybridExecutorOptions;
  return Object.freeze({
    kubernetesQueue: options.kubernetes_queue ?? DEFAULT_KUBERNETES_QUEUE,
    other: options[context.otherSide] ?? {},
    kubernetes: options.kubernetes ?? {},
  });
}

/** The name a side goes by in messages and in its defaults (a BullMQ side's Redis prefix): `<hybrid>.<side>`, its section's path. */
export function sideName(hybrid: string, side: string): string {
  return `${hybrid}.${side}`;
}

/** The built-in hybrids: the sub-table and class of each one's non-Kubernetes side. */
export const HYBRID_EXECUTORS = {
  LocalKubernetesExecutor: { otherSide: OtherSide.LOCAL, otherClassName: "LocalExecutor" },
  BullMQKubernetesExecutor: { otherSide: OtherSide.BULLMQ, otherClassName: "BullMQExecutor" },
} as const satisfies Readonly<Record<string, { otherSide: OtherSide; otherClassName: string }>>;
export type HybridClassName = keyof typeof HYBRID_EXECUTORS;

/** The hybrid spec of a built-in class name; undefined for any other name. */
export function hybridOf(className: string): (typeof HYBRID_EXECUTORS)[HybridClassName] | undefined {
  return Object.hasOwn(HYBRID_EXECUTORS, className) ? HYBRID_EXECUTORS[className as HybridClassName] : undefined;
}
