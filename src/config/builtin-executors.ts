import type { ExecutorClass } from "../executors/brand.js";
import type { SwitchyardConfig } from "./types.js";

/**
 * Compiles a built-in executor's `[executors.<name>]` section into the settings it runs with, under
 * the keys a user writes in that section (`runner_heartbeat_timeout` in seconds, not the compiled
 * milliseconds), defaults filled in: what `config get-value executors.<name> <key>` answers.
 */
export type CompileBuiltinSettings = (raw: Readonly<Record<string, unknown>>, executor: string, config: SwitchyardConfig) => object;

/** What the rest of Switchyard knows of a built-in executor. */
export interface BuiltinExecutorEntry {
  /** One line: where its tries run. */
  readonly description: string;
  /** The class, imported on first use: an engine's client library (Redis, Kubernetes) loads only when its executor is configured. */
  readonly loadClass: () => Promise<ExecutorClass>;
  /** Its options compiler, imported on first use: `config get-value executors.<name> <key>` answers with the defaults it fills in. */
  readonly loadSettings: () => Promise<CompileBuiltinSettings>;
}

/**
 * The built-in executors, by class name: the one list. `[core] executor` parsing, the executor
 * loader and `config get-value` read it, so adding a built-in is one entry here (plus its docs page).
 * Config parsing imports this module, so it imports executors only inside the loaders: `--help` and
 * `config get-value` stay free of them.
 */
export const BUILTIN_EXECUTOR_TABLE = {
  LocalExecutor: {
    description: "runs each try in a runner process on the scheduler's machine, up to its parallelism at once",
    loadClass: async () => (await import("../executors/local.js")).LocalExecutor,
    loadSettings: async () => {
      const { compileLocalExecutorOptions } = await import("../executors/local/options.js");
      return (raw, executor, config) => {
        const o = compileLocalExecutorOptions(raw, { executor, defaultParallelism: config.core.parallelism, warn: (message) => process.stderr.write(`warning: ${message}\n`) });
        return { parallelism: o.parallelism, isolation: o.isolation, runners: o.runners, runner_heartbeat_timeout: o.runnerHeartbeatTimeoutMs / 1000 };
      };
    },
  },
  SequentialExecutor: {
    description: "runs one try at a time inside the scheduler's own process",
    loadClass: async () => (await import("../executors/sequential.js")).SequentialExecutor,
    loadSettings: async () => {
      const { compileSequentialExecutorOptions } = await import("../executors/sequential-options.js");
      return (raw, executor) => compileSequentialExecutorOptions(raw, { executor });
    },
  },
  BullMQExecutor: {
    description: "sends each try as a BullMQ job through Redis to `switchyard worker` processes on any machine",
    loadClass: async () => (await import("../executors/bullmq/executor.js")).BullMQExecutor,
    loadSettings: async () => {
      const { compileBullMQExecutorOptions } = await import("../executors/bullmq/options.js");
      return (raw, executor, config) => {
        const o = compileBullMQExecutorOptions(raw, { executor, defaultParallelism: config.core.parallelism });
        return { redis_url: o.redisUrl, prefix: o.prefix, parallelism: o.parallelism, worker_timeout: o.workerTimeoutMs / 1000 };
      };
    },
  },
  KubernetesExecutor: {
    description: "runs each try in a Kubernetes pod of its own (`switchyard tasks run --workload` in the pod's image)",
    loadClass: async () => (await import("../executors/kubernetes/executor.js")).KubernetesExecutor,
    loadSettings: async () => {
      const { compileKubernetesExecutorOptions } = await import("../executors/kubernetes/options.js");
      return (raw, executor, config) => {
        const o = compileKubernetesExecutorOptions(raw, { executor, defaultParallelism: config.core.parallelism, home: config.home });
        return {
          namespace: o.namespace,
          image: o.image,
          pod_template_file: o.podTemplateFile,
          kubeconfig: o.kubeconfig,
          context: o.context,
          delete_pods: o.deletePods,
          creation_batch_size: o.creationBatchSize,
          pending_timeout: o.pendingTimeoutMs / 1000,
          fatal_pending_reasons: o.fatalPendingReasons,
          max_eviction_retries: o.maxEvictionRetries,
          parallelism: o.parallelism,
        };
      };
    },
  },
  LocalKubernetesExecutor: {
    description: "a LocalExecutor and a KubernetesExecutor behind one name: tries of queue kubernetes_queue get a pod, the rest run locally",
    loadClass: async () => (await import("../executors/hybrid/builtins.js")).loadHybridClass("LocalKubernetesExecutor"),
    loadSettings: async () => (await import("../executors/hybrid/builtins.js")).hybridSettings("LocalKubernetesExecutor"),
  },
  BullMQKubernetesExecutor: {
    description: "a BullMQExecutor and a KubernetesExecutor behind one name (Airflow's CeleryKubernetesExecutor): tries of queue kubernetes_queue get a pod, the rest go to the worker fleet",
    loadClass: async () => (await import("../executors/hybrid/builtins.js")).loadHybridClass("BullMQKubernetesExecutor"),
    loadSettings: async () => (await import("../executors/hybrid/builtins.js")).hybridSettings("BullMQKubernetesExecutor"),
  },
} as const satisfies Readonly<Record<string, BuiltinExecutorEntry>>;

export type BuiltinExecutor = keyof typeof BUILTIN_EXECUTOR_TABLE;

/** The built-in class names, in the table's order. */
export const BUILTIN_EXECUTORS = Object.keys(BUILTIN_EXECUTOR_TABLE) as readonly BuiltinExecutor[];

/** The table entry of a built-in class name; undefined for any other name. */
export function builtinExecutor(className: string): BuiltinExecutorEntry | undefined {
  return Object.hasOwn(BUILTIN_EXECUTOR_TABLE, className) ? BUILTIN_EXECUTOR_TABLE[className as BuiltinExecutor] : undefined;
}
