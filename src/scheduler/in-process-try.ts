import type { TaskInstanceKey } from "../common/keys.js";
import { EventState, tryLogFile, type EventInfo, type Workload } from "../common/workload.js";
import { runnerFoldersOf } from "../config/runner-folders.js";
import type { SwitchyardConfig } from "../config/types.js";
import type { SerializedTask } from "../dag/types.js";
import { runTaskTry } from "../runner/run-task-try.js";
import type { TryOutcome } from "../runner/types.js";
import type { Store } from "../store/connect.js";
import { refreshTiHeartbeats } from "../store/queries/liveness.js";
import { insertTaskLog } from "../store/queries/task-instances.js";
import type { DagRunRow, TaskInstanceRow } from "../store/schema.js";
import type { DagCache } from "./dag-cache.js";
import type { DirtyRuns } from "./dirty-runs.js";
import { applyTaskEvents } from "./events.js";
import { withRetries } from "./retrying.js";
import { buildWorkload } from "./workload.js";

/** How long a runner keeps retrying a report while the database is unreachable. */
const REPORT_RETRY_MS = 120_000;

export interface InProcessTry {
  /** The TI as claimed: queued at `key.tryNumber` with `token`. */
  ti: TaskInstanceRow;
  key: TaskInstanceKey;
  token: string;
  task: SerializedTask;
  dagFile: string;
  run: DagRunRow;
  dags: DagCache;
  source: string;
  /** Marks the TI changed once its reports are applied (who evaluates its downstream next). */
  dirty?: DirtyRuns;
  signal?: AbortSignal;
}

/**
 * Runs one claimed try in this process and records it through the same fenced event path the
 * scheduler uses (`tasks run` and `dags test`), so a try started here and one started by an
 * executor can never both write the TI's final state.
 */
export async function runTryInProcess(store: Store, config: SwitchyardConfig, t: InProcessTry): Promise<{ outcome: TryOutcome; workload: Workload; logPath: string }> {
  const db = store.db;
  const { key } = t;
  const id = { dagId: key.dagId, runId: key.runId, taskId: key.taskId, mapIndex: key.mapIndex };
  const workload = buildWorkload({
    key,
    task: t.task,
    dagFile: t.dagFile,
    dagsFolder: config.core.dagsFolder,
    queue: t.ti.queue,
    pool: t.ti.pool,
    priorityWeight: t.ti.priority_weight,
    token: t.token,
    maxTaskLogMb: config.logging.maxTaskLogMb,
    logicalDate: Number(t.run.logical_date),
    conf: t.run.conf,
  });
  const folders = runnerFoldersOf(config);
  const logPath = tryLogFile(folders.baseLogFolder, workload);
  await insertTaskLog(db, { ...id, tryNumber: key.tryNumber, path: logPath, executor: t.ti.executor });
  // A report must survive a database outage: retry with backoff rather than lose the try's outcome.
  // It carries the try's token like an executor's: a try of this TI sent again meanwhile fences it out.
  const report = (state: EventState) => async (info: EventInfo): Promise<void> => {
    const ctx = { db, dags: t.dags, now: Date.now(), source: t.source, ...(t.dirty ? { dirty: t.dirty } : {}) };
    await withRetries(() => applyTaskEvents(ctx, [{ key, state, info, token: t.token }]), REPORT_RETRY_MS);
  };
  // This process is the try's runner: its heartbeat tells the schedulers the try is not a zombie.
  const heartbeat = setInterval(() => {
    refreshTiHeartbeats(db, [key], Date.now()).catch(() => undefined);
  }, config.scheduler.jobHeartbeatSec * 1000);
  try {
    const outcome = await runTaskTry(
      workload,
      { running: report(EventState.RUNNING), finished: (state, info) => report(state === "success" ? EventState.SUCCESS : EventState.FAILED)(info) },
      { folders, ...(t.signal ? { signal: t.signal } : {}) },
    );
    return { outcome, workload, logPath };
  } finally {
    clearInterval(heartbeat);
  }
}
