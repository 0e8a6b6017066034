import type { DagDefinition, TaskDefinition, TaskOptions } from "../dag/types.js";

/**
 * The options a try runs with: the DAG's `defaults` under the task's own options (the task wins,
 * option by option; an option the task leaves `undefined` falls back to the default).
 */
export function effectiveTaskOptions(dag: DagDefinition, task: TaskDefinition): TaskOptions {
  const merged: Record<string, unknown> = { ...(dag.options.defaults ?? {}) };
  for (const [name, value] of Object.entries(task.options)) {
    if (value !== undefined) merged[name] = value;
  }
  return merged as TaskOptions;
}
