import { SwitchyardError } from "../common/errors.js";
import type { TaskInstanceKey } from "../common/keys.js";
import { TaskState } from "../common/states.js";
import { EventState, type EventInfo } from "../common/workload.js";
import type { SwitchyardConfig } from "../config/types.js";
import { runTaskTry } from "../runner/run-task-try.js";
import type { TryOutcome } from "../runner/types.js";
import type { Store } from "../store/connect.js";
import { getDagRun } from "../store/queries/dag-runs.js";
import { getDag } from "../store/queries/dags.js";
import { applyTransitions, getTaskInstance, insertTaskLog, requireTaskInstance, type TiId } from "../store/queries/task-instances.js";
import { DagCache } from "./dag-cache.js";
import { applyTaskEvents } from "./events.js";
import { refreshTiHeartbeats } from "../store/queries/liveness.js";
import { withRetries } from "./retrying.js";
import { buildWorkload, newTryToken } from "./workload.js";

/** How long a runner keeps retrying a report while the database is unreachable. */
const REPORT_RETRY_MS = 120_000;

export interface ManualTryOptions {
  /** Run this (queued) try, as an executor's worker does; otherwise start a new try. */
  tryNumber?: number;
  /** Start a new try even when the TI already succeeded or was skipped. */
  force?: boolean;
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
    tryNumber = opts.tryNumber;
    token = ti.try_token ?? newTryToken();
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
  const workload = buildWorkload({
    key,
    task,
    dagFile: dagRow.fileloc,
    queue: ti.queue,
    pool: ti.pool,
    priorityWeight: ti.priority_weight,
    token,
    baseLogFolder: config.logging.baseLogFolder,
    maxTaskLogMb: config.logging.maxTaskLogMb,
    logicalDate: Number(run.logical_date),
    conf: run.conf,
  });
  await insertTaskLog(db, { ...id, tryNumber, path: workload.logPath, executor: ti.executor });
  // A report must survive a database outage: retry with backoff rather than lose the try's outcome.
  const report = (state: EventState) => async (info: EventInfo): Promise<void> => {
    await withRetries(() => applyTaskEvents({ db, dags, now: Date.now(), source }, [{ key, state, info }]), REPORT_RETRY_MS);
  };
  // This process is the try's runner: its heartbeat tells the schedulers the try is not a zombie.
  const heartbeat = setInterval(() => {
    refreshTiHeartbeats(db, [key], Date.now()).catch(() => undefined);
  }, config.scheduler.jobHeartbeatSec * 1000);
  let outcome: TryOutcome;
  try {
    outcome = await runTaskTry(
      workload,
      { running: report(EventState.RUNNING), finished: (state, info) => report(state === "success" ? EventState.SUCCESS : EventState.FAILED)(info) },
      opts.signal ? { signal: opts.signal } : {},
    );
  } finally {
    clearInterval(heartbeat);
  }
  const after = await getTaskInstance(db, id);
  return { outcome, key, finalState: after?.state ?? "unknown" };
}
