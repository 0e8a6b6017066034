import type { Kysely } from "kysely";
import { DagRunState, TaskState } from "../common/states.js";
import type { SerializedDag } from "../dag/types.js";
import { insertAuditLogs } from "../store/queries/audit.js";
import { requeueDagRun, runsByIdInStates } from "../store/queries/dag-runs.js";
import { applyTransitions, clearableTis, type TiTransition } from "../store/queries/task-instances.js";
import type { Database, TaskInstanceRow } from "../store/schema.js";

/**
 * TIs a clear leaves alone: their try is in flight. Airflow sets running ones to `restarting`;
 * here a try's reports are fenced on queued/running, so resetting such a TI would have its try's
 * outcome rejected and the TI wait on nothing. They are reported instead: clear them once they end.
 */
export const IN_FLIGHT_STATES: readonly string[] = [TaskState.QUEUED, TaskState.RUNNING, TaskState.RESTARTING, TaskState.DEFERRED];

export interface ClearSelection {
  /** Tasks whose id matches (searched, as Airflow's task_regex); all tasks when absent. */
  taskRegex?: RegExp;
  /** Also the tasks downstream of the matching ones. */
  downstream?: boolean;
  runId?: string;
  /** Only TIs that failed or were upstream_failed. */
  onlyFailed?: boolean;
}

export interface ClearPlan {
  taskIds: string[];
  /** TIs that will go back to state none. */
  clear: TaskInstanceRow[];
  /** TIs that match but whose try is in flight. */
  inFlight: TaskInstanceRow[];
}

/** The task ids a selection names: the matching tasks, plus their downstream when asked. */
export function selectTasks(dag: SerializedDag, sel: ClearSelection): string[] {
  const byId = new Map(dag.tasks.map((t) => [t.taskId, t]));
  const chosen = new Set(dag.tasks.filter((t) => !sel.taskRegex || sel.taskRegex.test(t.taskId)).map((t) => t.taskId));
  if (sel.downstream) {
    const stack = [...chosen];
    while (stack.length > 0) {
      for (const d of byId.get(stack.pop()!)?.downstream ?? []) {
        if (!chosen.has(d)) {
          chosen.add(d);
          stack.push(d);
        }
      }
    }
  }
  return dag.tasks.map((t) => t.taskId).filter((id) => chosen.has(id));
}

/** What `tasks clear` would do; nothing is written. */
export async function planClear(db: Kysely<Database>, dag: SerializedDag, sel: ClearSelection): Promise<ClearPlan> {
  const taskIds = selectTasks(dag, sel);
  if (taskIds.length === 0) return { taskIds, clear: [], inFlight: [] };
  const rows = await clearableTis(db, { dagId: dag.dagId, taskIds, runId: sel.runId, onlyFailed: sel.onlyFailed });
  return {
    taskIds,
    clear: rows.filter((r) => !IN_FLIGHT_STATES.includes(r.state)),
    inFlight: rows.filter((r) => IN_FLIGHT_STATES.includes(r.state)),
  };
}

export interface ClearResult {
  cleared: TaskInstanceRow[];
  /** Finished runs set back to queued, so a scheduler starts them again. */
  requeuedRuns: string[];
}

/**
 * Airflow's clear_task_instances: each TI goes back to state none with its retries renewed
 * (max_tries = tries so far + retries), keeping its try number so a late report of an old try is
 * still rejected; a finished run holding one goes back to queued. One transaction; each TI moves
 * only if it is still in the state the plan saw.
 */
export async function applyClear(db: Kysely<Database>, dag: SerializedDag, plan: ClearPlan, opts: { now: number; source: string }): Promise<ClearResult> {
  const retries = new Map(dag.tasks.map((t) => [t.taskId, t.retries]));
  return db.transaction().execute(async (trx) => {
    const transitions: TiTransition[] = plan.clear.map((ti) => ({
      id: { dagId: ti.dag_id, runId: ti.run_id, taskId: ti.task_id, mapIndex: ti.map_index },
      expectStates: [ti.state],
      expectTry: ti.try_number,
      set: {
        state: TaskState.NONE,
        max_tries: ti.try_number + (retries.get(ti.task_id) ?? 0),
        next_retry_at: null,
        start_date: null,
        end_date: null,
        duration: null,
        pid: null,
        hostname: null,
        worker: null,
        external_executor_id: null,
        queued_by_job_id: null,
        queued_at: null,
        try_token: null,
        pending_reason: null,
        return_value: null,
      },
      audit: { event: "state_change", from_state: ti.state, to_state: TaskState.NONE, try_number: ti.try_number, reason: "cleared by `switchyard tasks clear`", source: opts.source },
    }));
    const applied = await applyTransitions(trx, transitions, opts.now);
    const cleared = plan.clear.filter((_, i) => applied[i]);
    const runIds = [...new Set(cleared.map((ti) => Number(ti.dag_run_id)))];
    const finished = await runsByIdInStates(trx, runIds, [DagRunState.SUCCESS, DagRunState.FAILED]);
    for (const run of finished) await requeueDagRun(trx, { id: Number(run.id), state: run.state }, opts.now);
    await insertAuditLogs(
      trx,
      finished.map((run) => ({ ts: opts.now, dag_id: dag.dagId, run_id: run.run_id, event: "dag_run_cleared", from_state: run.state, to_state: DagRunState.QUEUED, reason: "task instances cleared by `switchyard tasks clear`", source: opts.source })),
    );
    return { cleared, requeuedRuns: finished.map((r) => r.run_id) };
  });
}
