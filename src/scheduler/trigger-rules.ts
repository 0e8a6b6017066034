import { TaskState, TriggerRule } from "../common/states.js";

/** Finished upstream TIs of one task, counted by state. */
export interface UpstreamCounts {
  /** Number of direct upstream tasks. */
  upstream: number;
  success: number;
  skipped: number;
  failed: number;
  upstreamFailed: number;
  removed: number;
  /** Upstream TIs in any terminal state. */
  done: number;
}

export function emptyCounts(upstream: number): UpstreamCounts {
  return { upstream, success: 0, skipped: 0, failed: 0, upstreamFailed: 0, removed: 0, done: 0 };
}

export function countUpstream(counts: UpstreamCounts, state: string): void {
  switch (state) {
    case TaskState.SUCCESS:
      counts.success++;
      break;
    case TaskState.SKIPPED:
      counts.skipped++;
      break;
    case TaskState.FAILED:
      counts.failed++;
      break;
    case TaskState.UPSTREAM_FAILED:
      counts.upstreamFailed++;
      break;
    case TaskState.REMOVED:
      counts.removed++;
      break;
    default:
      return;
  }
  counts.done++;
}

/**
 * What a task's trigger rule decides given its direct upstream TIs' states: the one evaluation the
 * scheduler and `tasks run` share. A missing state counts as none.
 */
export function decideTriggerRule(
  task: { readonly upstream: readonly string[]; readonly triggerRule: TriggerRule },
  stateOf: (taskId: string) => string | undefined,
): { decision: TriggerDecision; counts: UpstreamCounts } {
  const counts = emptyCounts(task.upstream.length);
  for (const u of task.upstream) countUpstream(counts, stateOf(u) ?? TaskState.NONE);
  return { decision: evaluateTriggerRule(task.triggerRule, counts), counts };
}

/** What the trigger rule decides for a TI that has not run yet. */
export type TriggerDecision = "run" | "wait" | typeof TaskState.SKIPPED | typeof TaskState.UPSTREAM_FAILED;

/**
 * Airflow's trigger-rule semantics (ti_deps/deps/trigger_rule_dep.py): first whether the upstream
 * states already settle this TI as skipped or upstream_failed, then whether it may run now.
 * A task with no upstream always runs.
 */
export function evaluateTriggerRule(rule: TriggerRule, c: UpstreamCounts): TriggerDecision {
  if (c.upstream === 0) return "run";
  const upstreamDone = c.done >= c.upstream;
  const anyFailed = c.failed > 0 || c.upstreamFailed > 0;
  switch (rule) {
    case TriggerRule.ALL_SUCCESS:
      if (anyFailed) return TaskState.UPSTREAM_FAILED;
      if (c.skipped > 0) return TaskState.SKIPPED;
      return c.success >= c.upstream ? "run" : "wait";
    case TriggerRule.ALL_FAILED:
      if (c.success > 0 || c.skipped > 0) return TaskState.SKIPPED;
      return c.failed + c.upstreamFailed >= c.upstream ? "run" : "wait";
    case TriggerRule.ALL_DONE:
      return upstreamDone ? "run" : "wait";
    case TriggerRule.ALL_DONE_MIN_ONE_SUCCESS:
      // Mirrors one_success once everything is done: all skipped → skipped, no success → upstream_failed.
      if (!upstreamDone) return "wait";
      if (c.done === c.skipped) return TaskState.SKIPPED;
      return c.success > 0 ? "run" : TaskState.UPSTREAM_FAILED;
    case TriggerRule.ONE_SUCCESS:
      if (c.success > 0) return "run";
      if (upstreamDone && c.done === c.skipped) return TaskState.SKIPPED;
      if (upstreamDone) return TaskState.UPSTREAM_FAILED;
      return "wait";
    case TriggerRule.ONE_FAILED:
      if (anyFailed) return "run";
      return upstreamDone ? TaskState.SKIPPED : "wait";
    case TriggerRule.ONE_DONE:
      if (c.success + c.failed > 0) return "run";
      return upstreamDone ? TaskState.SKIPPED : "wait";
    case TriggerRule.NONE_FAILED:
      if (anyFailed) return TaskState.UPSTREAM_FAILED;
      return c.success + c.skipped >= c.upstream ? "run" : "wait";
    case TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS:
      if (anyFailed) return TaskState.UPSTREAM_FAILED;
      if (c.skipped >= c.upstream) return TaskState.SKIPPED;
      return c.success + c.skipped >= c.upstream ? "run" : "wait";
    case TriggerRule.NONE_SKIPPED:
      if (c.skipped > 0) return TaskState.SKIPPED;
      return upstreamDone ? "run" : "wait";
    case TriggerRule.ALL_SKIPPED:
      if (c.success > 0 || anyFailed) return TaskState.SKIPPED;
      return c.skipped >= c.upstream ? "run" : "wait";
    case TriggerRule.ALWAYS:
      return "run";
  }
}
