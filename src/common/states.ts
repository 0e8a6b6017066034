/** Task-instance states, as in Airflow (camelCase values are not used: the names are the contract). */
export const TaskState = {
  NONE: "none",
  SCHEDULED: "scheduled",
  QUEUED: "queued",
  RUNNING: "running",
  SUCCESS: "success",
  FAILED: "failed",
  UP_FOR_RETRY: "up_for_retry",
  UP_FOR_RESCHEDULE: "up_for_reschedule",
  UPSTREAM_FAILED: "upstream_failed",
  SKIPPED: "skipped",
  REMOVED: "removed",
  DEFERRED: "deferred",
  RESTARTING: "restarting",
} as const;
export type TaskState = (typeof TaskState)[keyof typeof TaskState];

export const TERMINAL_TASK_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  TaskState.SUCCESS,
  TaskState.FAILED,
  TaskState.SKIPPED,
  TaskState.UPSTREAM_FAILED,
  TaskState.REMOVED,
]);

export function isTerminalTaskState(state: string): boolean {
  return TERMINAL_TASK_STATES.has(state as TaskState);
}

export const DagRunState = {
  QUEUED: "queued",
  RUNNING: "running",
  SUCCESS: "success",
  FAILED: "failed",
} as const;
export type DagRunState = (typeof DagRunState)[keyof typeof DagRunState];

export const TriggerRule = {
  ALL_SUCCESS: "all_success",
  ALL_FAILED: "all_failed",
  ALL_DONE: "all_done",
  ALL_DONE_MIN_ONE_SUCCESS: "all_done_min_one_success",
  ONE_SUCCESS: "one_success",
  ONE_FAILED: "one_failed",
  ONE_DONE: "one_done",
  NONE_FAILED: "none_failed",
  NONE_SKIPPED: "none_skipped",
  NONE_FAILED_MIN_ONE_SUCCESS: "none_failed_min_one_success",
  ALL_SKIPPED: "all_skipped",
  ALWAYS: "always",
} as const;
export type TriggerRule = (typeof TriggerRule)[keyof typeof TriggerRule];
export const TRIGGER_RULES: readonly TriggerRule[] = Object.values(TriggerRule);

export const WeightRule = {
  DOWNSTREAM: "downstream",
  UPSTREAM: "upstream",
  ABSOLUTE: "absolute",
} as const;
export type WeightRule = (typeof WeightRule)[keyof typeof WeightRule];
export const WEIGHT_RULES: readonly WeightRule[] = Object.values(WeightRule);
