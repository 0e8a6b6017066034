import type { ExecutorName } from "../config/executor-names.js";
import { parseDagDate } from "./dates.js";
import { effectivePriorityWeights, type WeightedTask } from "./priority.js";
import type { DagDefinition, ExecutorSource, SerializedDag, SerializedTask, TaskOptions } from "./types.js";
import { validateDag } from "./validate.js";

/** What a task gets for each option neither it nor its DAG's `defaults` sets. The one place these live. */
export const TASK_OPTION_DEFAULTS = {
  queue: "default",
  pool: "default_pool",
  poolSlots: 1,
  priorityWeight: 1,
  weightRule: "downstream",
  retries: 0,
  retryDelay: 300,
  retryExponentialBackoff: false,
  maxRetryDelay: 86_400,
  triggerRule: "all_success",
} as const satisfies TaskOptions;

export interface SerializeContext {
  /** The configured executors; a task naming any other is an error. */
  readonly executorNames: readonly ExecutorName[];
  /** `[core] default_queue`. @defaultValue "default" */
  readonly defaultQueue?: string;
}

/**
 * Validates a loaded DAG and resolves every task option (task's own, else the DAG's defaults, else the
 * built-in default). Throws DagValidationError naming the file, DAG and task of each problem.
 */
export function serializeDag(dag: DagDefinition, fileloc: string, ctx: SerializeContext): SerializedDag {
  const graph = validateDag(dag, fileloc, ctx.executorNames);
  const defaults = dag.options.defaults ?? {};
  const position = new Map(graph.order.map((id, index) => [id, index]));
  const byPosition = (ids: Iterable<string>): string[] => [...ids].sort((a, b) => position.get(a)! - position.get(b)!);

  const resolved = new Map<string, TaskOptions>();
  for (const [taskId, task] of dag.tasks) resolved.set(taskId, { ...withoutUndefined(defaults), ...withoutUndefined(task.options) });
  const weighted = new Map<string, WeightedTask>();
  for (const [taskId, options] of resolved) {
    weighted.set(taskId, {
      priorityWeight: options.priorityWeight ?? TASK_OPTION_DEFAULTS.priorityWeight,
      weightRule: options.weightRule ?? TASK_OPTION_DEFAULTS.weightRule,
    });
  }
  const effective = effectivePriorityWeights(weighted, graph.downstream, graph.upstream);

  const tasks = graph.order.map((taskId): SerializedTask => {
    const task = dag.tasks.get(taskId)!;
    const o = resolved.get(taskId)!;
    const [executor, executorSource] = executorOf(task.options, defaults);
    return {
      taskId,
      kind: task.kind,
      command: task.kind === "bash" ? (task.command ?? null) : null,
      upstream: byPosition(graph.upstream.get(taskId)!),
      downstream: byPosition(graph.downstream.get(taskId)!),
      executor,
      executorSource,
      queue: o.queue ?? ctx.defaultQueue ?? TASK_OPTION_DEFAULTS.queue,
      pool: o.pool ?? TASK_OPTION_DEFAULTS.pool,
      poolSlots: o.poolSlots ?? TASK_OPTION_DEFAULTS.poolSlots,
      priorityWeight: weighted.get(taskId)!.priorityWeight,
      weightRule: weighted.get(taskId)!.weightRule,
      effectivePriorityWeight: effective.get(taskId)!,
      retries: o.retries ?? TASK_OPTION_DEFAULTS.retries,
      retryDelay: o.retryDelay ?? TASK_OPTION_DEFAULTS.retryDelay,
      retryExponentialBackoff: o.retryExponentialBackoff ?? TASK_OPTION_DEFAULTS.retryExponentialBackoff,
      maxRetryDelay: o.maxRetryDelay ?? TASK_OPTION_DEFAULTS.maxRetryDelay,
      triggerRule: o.triggerRule ?? TASK_OPTION_DEFAULTS.triggerRule,
      executorConfig: { ...(o.executorConfig ?? {}) },
      maxActiveTisPerDag: o.maxActiveTisPerDag ?? null,
      maxActiveTisPerDagrun: o.maxActiveTisPerDagrun ?? null,
      timeout: o.timeout ?? null,
      env: { ...(o.env ?? {}) },
    };
  });

  const options = dag.options;
  return {
    dagId: dag.dagId,
    fileloc,
    schedule: options.schedule ?? null,
    startDate: isoOrNull(options.startDate),
    endDate: isoOrNull(options.endDate),
    catchup: options.catchup ?? false,
    maxActiveTasks: options.maxActiveTasks ?? null,
    maxActiveRuns: options.maxActiveRuns ?? null,
    description: options.description ?? null,
    tags: [...(options.tags ?? [])],
    isPausedUponCreation: options.isPausedUponCreation ?? false,
    tasks,
  };
}

function executorOf(own: Readonly<TaskOptions>, defaults: Readonly<TaskOptions>): [string | null, ExecutorSource] {
  if (own.executor !== undefined) return [own.executor, "task"];
  if (defaults.executor !== undefined) return [defaults.executor, "dag_default"];
  return [null, "default"];
}

/** `{ retries: undefined }` means "not set", so it must not hide a DAG default. */
function withoutUndefined(options: Readonly<TaskOptions>): TaskOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as TaskOptions;
}

function isoOrNull(value: string | Date | undefined): string | null {
  return value === undefined ? null : (parseDagDate(value)?.toISOString() ?? null);
}
