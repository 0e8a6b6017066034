import type { ExecutorClass } from "./brand.js";

/**
 * Built-in executors by class name, imported on first use so that an engine's client library
 * (Redis, Kubernetes) is only loaded when its executor is configured.
 */
export const BUILTIN_EXECUTOR_CLASSES: Readonly<Record<string, () => Promise<ExecutorClass>>> = {
  SequentialExecutor: async () => (await import("./sequential.js")).SequentialExecutor,
  LocalExecutor: async () => (await import("./local.js")).LocalExecutor,
  BullMQExecutor: async () => (await import("./bullmq/executor.js")).BullMQExecutor,
};
