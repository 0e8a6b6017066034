import type { Kysely } from "kysely";
import type { Logger } from "../common/logger.js";
import type { ExecutorName } from "../config/executor-names.js";
import type { SwitchyardConfig } from "../config/types.js";
import type { SchedulerExecutor } from "../executors/scheduler-executor.js";
import type { Store } from "../store/connect.js";
import type { DialectKind } from "../store/dialect.js";
import type { Database } from "../store/schema.js";
import type { DagCache } from "./dag-cache.js";
import type { DirtyRuns } from "./dirty-runs.js";
import { executorResolver } from "./runs.js";

/**
 * What the scheduler's steps share, compiled once when it starts and again when it rejoins under a
 * new job, never rebuilt per pass. Each step declares the part it reads (SweepContext,
 * CriticalSectionContext, …), which this satisfies; what changes every pass comes as a PassStamp.
 */
export interface SchedulerContext {
  readonly db: Kysely<Database>;
  readonly kind: DialectKind;
  readonly dags: DagCache;
  readonly dirty: DirtyRuns;
  readonly logger: Logger;
  /** Loaded executors by configured name (alias or class name). */
  readonly executors: ReadonlyMap<string, SchedulerExecutor>;
  /** The `[core] executor` entries, in order: those of the executors. */
  readonly executorNames: readonly ExecutorName[];
  /** A task's executor field → the configured name stored on its TIs (runs.ts executorResolver). */
  readonly resolveExecutor: (executor: string | null) => string;
  readonly jobId: number;
  readonly parallelism: number;
  readonly maxTisPerQuery: number;
  readonly defaultMaxActiveTasks: number;
  readonly defaultMaxActiveRuns: number;
  readonly baseLogFolder: string;
  /** `[core] dags_folder`: workloads name their DAG file relative to it. */
  readonly dagsFolder: string;
  readonly maxTaskLogMb: number;
  readonly healthCheckThresholdMs: number;
  /** True once this scheduler has lost its lease: what it queued must not reach an executor. */
  readonly fenced: () => boolean;
}

/** What a step is given per pass: the clock it acts at, and who acts (written into audit rows). */
export interface PassStamp {
  readonly now: number;
  readonly source: string;
}

export function compileSchedulerContext(input: {
  store: Store;
  config: SwitchyardConfig;
  executors: readonly SchedulerExecutor[];
  dags: DagCache;
  dirty: DirtyRuns;
  logger: Logger;
  jobId: number;
  fenced: () => boolean;
}): SchedulerContext {
  const { config } = input;
  const executorNames = input.executors.map((e) => e.name);
  return Object.freeze({
    db: input.store.db,
    kind: input.store.kind,
    dags: input.dags,
    dirty: input.dirty,
    logger: input.logger,
    executors: new Map(input.executors.map((e) => [e.name.name, e])),
    executorNames,
    resolveExecutor: executorResolver(executorNames),
    jobId: input.jobId,
    parallelism: config.core.parallelism,
    maxTisPerQuery: config.scheduler.maxTisPerQuery,
    defaultMaxActiveTasks: config.core.maxActiveTasksPerDag,
    defaultMaxActiveRuns: config.core.maxActiveRunsPerDag,
    baseLogFolder: config.logging.baseLogFolder,
    dagsFolder: config.core.dagsFolder,
    maxTaskLogMb: config.logging.maxTaskLogMb,
    healthCheckThresholdMs: config.scheduler.schedulerHealthCheckThreshold * 1000,
    fenced: input.fenced,
  });
}
