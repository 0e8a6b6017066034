import type { WeightRule } from "../common/states.js";
import { reachable, type DownstreamMap } from "./graph.js";

export interface WeightedTask {
  readonly priorityWeight: number;
  readonly weightRule: WeightRule;
}

/**
 * The weight the scheduler orders each task by, as Airflow's weight rules: `absolute` = own weight;
 * `downstream` = own + the own weights of every task downstream of it (directly or not, each once);
 * `upstream` = the same over every task upstream of it.
 */
export function effectivePriorityWeights(
  tasks: ReadonlyMap<string, WeightedTask>,
  downstream: DownstreamMap,
  upstream: DownstreamMap,
): Map<string, number> {
  const result = new Map<string, number>();
  for (const [taskId, task] of tasks) {
    if (task.weightRule === "absolute") {
      result.set(taskId, task.priorityWeight);
      continue;
    }
    const relatives = reachable(taskId, task.weightRule === "downstream" ? downstream : upstream);
    let weight = task.priorityWeight;
    for (const relative of relatives) weight += tasks.get(relative)?.priorityWeight ?? 0;
    result.set(taskId, weight);
  }
  return result;
}
