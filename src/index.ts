// The public API: what DAG files and custom executors import from "@switchyard/core". Named exports
// only, so what is public is a decision, not an accident.

// Authoring DAGs
export { dag, chain } from "./dag/builder.js";
export type { Dag, Task, TaskLike } from "./dag/builder.js";
export type { DagOptions, TaskOptions, TaskContext, TaskFn, SerializedDag, SerializedTask } from "./dag/types.js";
export { TaskState, DagRunState, TriggerRule, WeightRule } from "./common/states.js";

// Writing executors
export { BaseExecutor } from "./executors/base.js";
export type { TaskLog } from "./executors/base.js";
export type { ExecutorContext, ExecutorLogger, TaskInstanceRef } from "./executors/types.js";
export type { ExecutorName } from "./config/executor-names.js";
export { runTaskTry } from "./runner/run-task-try.js";
export type { TryReporter, TryOutcome, RunTaskTryOptions } from "./runner/types.js";
export { EventState, resolveDagFile, tryLogFile } from "./common/workload.js";
export type { Workload, TaskEvent, EventInfo, RunnerFolders } from "./common/workload.js";
export type { TaskInstanceKey } from "./common/keys.js";
export { keyString } from "./common/keys.js";
export { SwitchyardError } from "./common/errors.js";

// Embedding the orchestrator
export { loadConfig } from "./config/load.js";
export type { SwitchyardConfig } from "./config/types.js";
export type { Secret } from "./config/secret.js";
