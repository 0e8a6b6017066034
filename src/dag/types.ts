import type { TriggerRule, WeightRule } from "../common/states.js";

/** Options every task accepts; a DAG's `defaults` takes the same shape. Durations are seconds. */
export interface TaskOptions {
  /** Executor alias, custom-executor module path, or class name; unset means the default executor. */
  executor?: string;
  /** @defaultValue "default" */
  queue?: string;
  /** @defaultValue "default_pool" */
  pool?: string;
  /** Pool slots this task occupies while queued or running. @defaultValue 1 */
  poolSlots?: number;
  /** @defaultValue 1 */
  priorityWeight?: number;
  /** @defaultValue "downstream" */
  weightRule?: WeightRule;
  /** @defaultValue 0 */
  retries?: number;
  /** Seconds between a failed try and the next. @defaultValue 300 */
  retryDelay?: number;
  /** Double the delay after each failed try (capped by maxRetryDelay). @defaultValue false */
  retryExponentialBackoff?: boolean;
  /** Upper bound of the retry delay in seconds. @defaultValue 86400 */
  maxRetryDelay?: number;
  /** @defaultValue "all_success" */
  triggerRule?: TriggerRule;
  /** Passed to the executor untouched, e.g. `{ isolation: "process" }` for the LocalExecutor. */
  executorConfig?: Record<string, unknown>;
  /** Most TIs of this task queued or running across all runs of the DAG. */
  maxActiveTisPerDag?: number;
  /** Most TIs of this task queued or running within one run. */
  maxActiveTisPerDagrun?: number;
  /** Seconds a try may run before it is killed and failed. */
  timeout?: number;
  /** Extra environment variables for the try. */
  env?: Record<string, string>;
}

export const TASK_OPTION_NAMES = [
  "executor",
  "queue",
  "pool",
  "poolSlots",
  "priorityWeight",
  "weightRule",
  "retries",
  "retryDelay",
  "retryExponentialBackoff",
  "maxRetryDelay",
  "triggerRule",
  "executorConfig",
  "maxActiveTisPerDag",
  "maxActiveTisPerDagrun",
  "timeout",
  "env",
] as const satisfies readonly (keyof TaskOptions)[];

export interface DagOptions {
  /** Cron expression, preset (`@once`, `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`), or null for manual runs only. @defaultValue null */
  schedule?: string | null;
  /** First logical date the schedule may produce (ISO-8601 or Date). Required when schedule is set. */
  startDate?: string | Date;
  endDate?: string | Date;
  /** Create runs for every missed schedule tick since startDate. @defaultValue false */
  catchup?: boolean;
  /** Most TIs queued or running within one run. @defaultValue `[core] max_active_tasks_per_dag` */
  maxActiveTasks?: number;
  /** Most runs running at once. @defaultValue `[core] max_active_runs_per_dag` */
  maxActiveRuns?: number;
  /** Applied to every task; a task's own option wins. */
  defaults?: TaskOptions;
  description?: string;
  tags?: string[];
  /** New DAGs start paused when true. @defaultValue false */
  isPausedUponCreation?: boolean;
}

/** What an `fn` task receives. */
export interface TaskContext {
  readonly dagId: string;
  readonly taskId: string;
  readonly runId: string;
  readonly mapIndex: number;
  readonly tryNumber: number;
  /** ISO-8601 */
  readonly logicalDate: string;
  readonly conf: Readonly<Record<string, unknown>>;
  /** Aborted when the try times out or is killed. */
  readonly signal: AbortSignal;
  /** Writes one line to the try's log. */
  log(...args: unknown[]): void;
}

export type TaskFn = (ctx: TaskContext) => unknown | Promise<unknown>;
export type TaskKind = "bash" | "fn" | "empty";

/** A task as defined in a loaded DAG module (live objects, functions included). */
export interface TaskDefinition {
  readonly taskId: string;
  readonly kind: TaskKind;
  /** The shell command of a `bash` task. */
  readonly command?: string;
  /** The function of an `fn` task. */
  readonly fn?: TaskFn;
  /** Options as written on the task (DAG defaults not applied). */
  readonly options: Readonly<TaskOptions>;
  readonly upstreamIds: ReadonlySet<string>;
  readonly downstreamIds: ReadonlySet<string>;
}

/** A DAG as defined in a loaded DAG module. */
export interface DagDefinition {
  readonly dagId: string;
  readonly options: Readonly<DagOptions>;
  readonly tasks: ReadonlyMap<string, TaskDefinition>;
}

/** Where a task's executor came from, for `dags explain-routing`. */
export type ExecutorSource = "task" | "dag_default" | "default";

/** A task with DAG defaults applied and every option resolved: what the database keeps. */
export interface SerializedTask {
  taskId: string;
  kind: TaskKind;
  command: string | null;
  upstream: string[];
  downstream: string[];
  /** As written (task option, else DAG default), null when the default executor applies. */
  executor: string | null;
  executorSource: ExecutorSource;
  queue: string;
  pool: string;
  poolSlots: number;
  /** The task's own weight. */
  priorityWeight: number;
  weightRule: WeightRule;
  /** The weight the scheduler orders by, after applying weightRule. */
  effectivePriorityWeight: number;
  retries: number;
  retryDelay: number;
  retryExponentialBackoff: boolean;
  maxRetryDelay: number;
  triggerRule: TriggerRule;
  executorConfig: Record<string, unknown>;
  maxActiveTisPerDag: number | null;
  maxActiveTisPerDagrun: number | null;
  timeout: number | null;
  env: Record<string, string>;
}

export interface SerializedDag {
  dagId: string;
  /** Absolute path of the file that defines it. */
  fileloc: string;
  schedule: string | null;
  /** ISO-8601 or null. */
  startDate: string | null;
  endDate: string | null;
  catchup: boolean;
  /** null: use the `[core]` default. */
  maxActiveTasks: number | null;
  maxActiveRuns: number | null;
  description: string | null;
  tags: string[];
  isPausedUponCreation: boolean;
  /** Topological order. */
  tasks: SerializedTask[];
}

/** A DAG file that could not be imported, or a DAG in it that is invalid. */
export interface DagImportError {
  /** Absolute path. */
  filename: string;
  /** One or more lines naming the problem (and the task, where there is one) and what is valid. */
  message: string;
}

export interface DagBagResult {
  dags: SerializedDag[];
  errors: DagImportError[];
  /** Every file that was looked at, with or without errors. */
  files: string[];
  /** Folders that were asked for but do not exist (not an error: the caller may warn). */
  missingFolders?: string[];
  /**
   * Everything the result was made from (each DAG file and its local imports, by content hash), when
   * the parse cache knows it for every file and there is no import error; absent otherwise.
   */
  inputs?: ParseInput[];
}

/** A file a parse result was made from, by content (see dag/parse-cache.ts). */
export interface ParseInput {
  readonly path: string;
  readonly sha256: string;
}
