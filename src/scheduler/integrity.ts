import { TaskState } from "../common/states.js";
import type { TiTransition } from "../store/queries/task-instances.js";
import type { DagRunRow } from "../store/schema.js";
import type { CachedDag } from "./dag-cache.js";

/** States a TI of a task gone from its DAG leaves for `removed`: it has not started, so nothing else would ever move it. */
const REMOVABLE: readonly string[] = [TaskState.NONE, TaskState.SCHEDULED, TaskState.UP_FOR_RETRY, TaskState.UP_FOR_RESCHEDULE];

/**
 * Airflow's DagRun.verify_integrity: a TI whose task the DAG no longer defines becomes `removed`
 * (terminal, counted like skipped), so its run can finish; a `removed` TI whose task is back
 * becomes `none` again and is scheduled like any other. A try already queued or running is left to
 * end on its own. Updates `states` to match the transitions it returns.
 */
export function integrityTransitions(cached: CachedDag, run: DagRunRow, states: Map<string, { task_id: string; state: string; try_number: number }>, source: string): TiTransition[] {
  const out: TiTransition[] = [];
  for (const ti of states.values()) {
    const defined = cached.tasks.has(ti.task_id);
    let to: TaskState;
    let reason: string;
    if (!defined && REMOVABLE.includes(ti.state)) {
      to = TaskState.REMOVED;
      reason = `task '${ti.task_id}' is no longer defined by DAG '${run.dag_id}'`;
    } else if (defined && ti.state === TaskState.REMOVED) {
      to = TaskState.NONE;
      reason = `task '${ti.task_id}' is defined by DAG '${run.dag_id}' again`;
    } else {
      continue;
    }
    out.push({
      id: { dagId: run.dag_id, runId: run.run_id, taskId: ti.task_id, mapIndex: -1 },
      expectStates: [ti.state],
      expectTry: ti.try_number,
      set: { state: to, pending_reason: null },
      audit: { event: "state_change", from_state: ti.state, to_state: to, try_number: ti.try_number, reason, source },
    });
    ti.state = to;
  }
  return out;
}
