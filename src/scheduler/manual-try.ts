import { SwitchyardError } from "../common/errors.js";
import type { TaskInstanceKey } from "../common/keys.js";
import { TaskState } from "../common/states.js";
import type { SwitchyardConfig } from "../config/types.js";
import type { TryOutcome } from "../runner/types.js";
import type { Store } from "../store/connect.js";
import { getDagRun } from "../store/queries/dag-runs.js";
import { getDag } from "../store/queries/dags.js";
import { applyTransitions, getTaskInstance, requireTaskInstance, runTaskStates, type TiId } from "../store/queries/task-instances.js";
import type { SerializedTask } from "../dag/types.js";
import { decideTriggerRule } from "./trigger-rules.js";
import { DagCache } from "./dag-cache.js";
import { runTryInProcess } from "./in-process-try.js";
import { newTryToken } from "./workload.js";

export interface ManualTryOptions {
  /** Run this (queued) try, as an executor's worker does; otherwise start a new try. */
  tryNumber?: number;
  /** Start a new try even when the TI already succeeded or was skipped. */
  force?: boolean;
  /** Run a new try even when the task's trigger rule is not met by its upstream TIs (Airflow's `-i`). */
  ignoreDependencies?: boolean;
  /** Aborting kills the try. */
  signal?: AbortSignal;
}

export interface ManualTryResult {
  outcome: TryOutcome;
  key: TaskInstanceKey;
  /** The TI's state after the try's reports were applied (success, failed, up_for_retry, …). */
  finalState: string;
}

const NOT_RERUNNABLE: readonly string[] = [TaskState.SUCCESS, TaskState.SKIPPED];

/** As Airflow's `tasks run` without `-i`: a new try starts only when the scheduler would start one, by the same trigger-rule evaluation. */
async function assertDependenciesMet(db: Store["db"], id: TiId, task: SerializedTask): Promise<void> {
  const upstream = await runTaskStates(db, id, task.upstream);
  const states = new Map(upstream.map((u) => [u.task_id, u.state]));
  const { decision } = decideTriggerRule(task, (u) => states.get(u));
  if (decision === "run") return;
  const notDone = task.upstream.filter((u) => states.get(u) !== TaskState.SUCCESS);
  const shown = (notDone.length > 0 ? notDone : task.upstream).map((u) => `${u} is ${states.get(u) ?? TaskState.NONE}`);
  const outcome = decision === "wait" ? "not met" : `not met (the scheduler would mark it ${decision})`;
  throw new SwitchyardError(
    "DEPENDENCIES_NOT_MET",
    `${id.dagId}.${id.taskId} in run ${id.runId}: trigger rule ${task.triggerRule} is ${outcome}: upstream ${shown.join(", ")}; pass -i/--ignore-dependencies to run it anyway`,
  );
}

/**
 * `tasks run`: runs one try of one TI in this process and records it through the same fenced
 * event path the scheduler uses, so a try started here and one started by an executor can never
 * both write the TI's final state.
 */
export async function runManualTry(store: Store, config: SwitchyardConfig, id: TiId, opts: ManualTryOptions = {}): Promise<ManualTryResult> {
  const db = store.db;
  const source = `cli:${process.pid}`;
  const ti = await requireTaskInstance(db, id);
  const dagRow = await getDag(db, id.dagId);
  const dags = new DagCache(db);
  const task = (await dags.get(id.dagId))?.tasks.get(id.taskId);
  if (!task) {
    throw new SwitchyardError("TASK_NOT_DEFINED", `task '${id.taskId}' has a task instance but is no longer defined by DAG '${id.dagId}' (${dagRow.fileloc})`);
  }
  const run = await getDagRun(db, id.dagId, id.runId);
  let tryNumber: number;
  let token: string;
  if (opts.tryNumber !== undefined) {
    if (ti.try_number !== opts.tryNumber || ti.state !== TaskState.QUEUED) {
      throw new SwitchyardError(
        "TRY_NOT_RUNNABLE",
        `try ${opts.tryNumber} of ${id.dagId}.${id.taskId} in run ${id.runId} is not waiting to run: the task instance is at try ${ti.try_number}, state ${ti.state}`,
      );
    }
    if (ti.try_token === null) {
      // Its reports would be rejected (they must carry the TI's token), so the try's outcome would be lost.
      throw new SwitchyardError(
        "TRY_NOT_RUNNABLE",
        `try ${opts.tryNumber} of ${id.dagId}.${id.taskId} in run ${id.runId} has no try token (it was not queued by a scheduler or \`tasks run\`); run \`switchyard tasks run\` without --try to start a new try`,
      );
    }
    tryNumber = opts.tryNumber;
    token = ti.try_token;
  } else {
    if (ti.state === TaskState.RUNNING || ti.state === TaskState.QUEUED) {
      throw new SwitchyardError(
        "TRY_IN_FLIGHT",
        `${id.dagId}.${id.taskId} in run ${id.runId} is already ${ti.state} (try ${ti.try_number}${ti.pid ? `, pid ${ti.pid} on ${ti.hostname}` : ""}); wait for it, or run that try with --try ${ti.try_number}`,
      );
    }
    if (NOT_RERUNNABLE.includes(ti.state) && !opts.force) {
      throw new SwitchyardError("TRY_ALREADY_DONE", `${id.dagId}.${id.taskId} in run ${id.runId} is already ${ti.state}; pass --force to run it again`);
    }
    if (!opts.ignoreDependencies) await assertDependenciesMet(db, id, task);
    tryNumber = ti.try_number + 1;
    token = newTryToken();
    const [ok] = await applyTransitions(
      db,
      [
        {
          id,
          expectStates: [ti.state],
          expectTry: ti.try_number,
          set: { state: TaskState.QUEUED, try_number: tryNumber, try_token: token, queued_at: Date.now(), queued_by_job_id: null, pending_reason: null, max_tries: Math.max(ti.max_tries, tryNumber - 1 + task.retries) },
          audit: { event: "state_change", from_state: ti.state, to_state: TaskState.QUEUED, try_number: tryNumber, reason: "started by `switchyard tasks run`", source },
        },
      ],
      Date.now(),
    );
    if (!ok) throw new SwitchyardError("TRY_RACE", `${id.dagId}.${id.taskId} changed state while starting the try; run the command again`);
  }

  const key: TaskInstanceKey = { ...id, tryNumber };
  const { outcome } = await runTryInProcess(store, config, { ti, key, token, task, dagFile: dagRow.fileloc, run, dags, source, ...(opts.signal ? { signal: opts.signal } : {}) });
  const after = await getTaskInstance(db, id);
  return { outcome, key, finalState: after?.state ?? "unknown" };
}
