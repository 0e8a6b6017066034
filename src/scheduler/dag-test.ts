import fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { SwitchyardError } from "../common/errors.js";
import { DagRunState, TaskState } from "../common/states.js";
import { parseExecutorNames } from "../config/executor-names.js";
import type { SwitchyardConfig } from "../config/types.js";
import type { Store } from "../store/connect.js";
import { insertAuditLogs } from "../store/queries/audit.js";
import { createDagRun, getDagRun, RunType, setDagRunState } from "../store/queries/dag-runs.js";
import { getDag, parseSerializedDag } from "../store/queries/dags.js";
import { applyTransitions, listTaskInstances } from "../store/queries/task-instances.js";
import type { DagRunRow, TaskInstanceRow } from "../store/schema.js";
import { DagCache } from "./dag-cache.js";
import { evaluateDirtyRuns } from "./dependencies.js";
import { DirtyRuns } from "./dirty-runs.js";
import { runTryInProcess } from "./in-process-try.js";
import { executorResolver, manualRunId } from "./runs.js";
import { newTryToken } from "./workload.js";

/** How often to look again while a TI of the run is in a scheduler's hands instead of ours. */
const FOREIGN_TRY_POLL_MS = 500;

export interface DagTestOptions {
  dagId: string;
  conf: Record<string, unknown>;
  logicalDate: number;
  runId?: string;
  /** Called with each try's log once the try ends (the whole file, in order). */
  onTryLog?: (ti: { taskId: string; tryNumber: number; state: string }, lines: string[]) => void;
  signal?: AbortSignal;
}

export interface DagTestResult {
  run: DagRunRow;
  tis: TaskInstanceRow[];
}

/**
 * `dags test` (Airflow's dag.test(), the DebugExecutor's successor): one run of a DAG, every task
 * run in this process in dependency order, with no scheduler. Dependencies, trigger rules and
 * retries are decided by the scheduler's own code (evaluateDirtyRuns, the fenced event path), so
 * the run, its TIs and their logs are recorded exactly as a scheduled run's would be.
 */
export async function runDagTest(store: Store, config: SwitchyardConfig, opts: DagTestOptions): Promise<DagTestResult> {
  const db = store.db;
  const source = `dags-test:${process.pid}`;
  const dagRow = await getDag(db, opts.dagId);
  const dag = parseSerializedDag(dagRow);
  const dags = new DagCache(db);
  const cached = (await dags.get(opts.dagId))!;
  const now = Date.now();
  const resolveExecutor = executorResolver(parseExecutorNames(config.core.executor, config.home));
  const created = await createDagRun(db, {
    dag,
    runId: opts.runId ?? manualRunId(opts.logicalDate),
    runType: RunType.MANUAL,
    logicalDate: opts.logicalDate,
    conf: opts.conf,
    now,
    resolveExecutor,
    source,
  });
  const dagRunId = Number(created.id);
  // Started here rather than by a scheduler: this process runs it, whatever maxActiveRuns or pause say (as dag.test does).
  await setDagRunState(db, dagRunId, { state: DagRunState.RUNNING, startDate: now });
  await insertAuditLogs(db, [
    { ts: now, dag_id: dag.dagId, run_id: created.run_id, event: "dag_run_started", from_state: DagRunState.QUEUED, to_state: DagRunState.RUNNING, reason: "started by `switchyard dags test`", source },
  ]);

  const dirty = new DirtyRuns();
  dirty.markAll(dagRunId);
  let stalled = false;
  for (;;) {
    if (opts.signal?.aborted) {
      throw new SwitchyardError("DAG_TEST_INTERRUPTED", `interrupted: run ${created.run_id} of ${dag.dagId} is left running, and a scheduler will carry it on from here (the killed try counts as failed)`);
    }
    await evaluateDirtyRuns({ db, dags, resolveExecutor, now: Date.now(), source }, dirty);
    const run = await getDagRun(db, dag.dagId, created.run_id);
    const tis = await listTaskInstances(db, dagRunId);
    if (run.state !== DagRunState.RUNNING) return { run, tis: tis.sort((a, b) => (cached.order.get(a.task_id) ?? 0) - (cached.order.get(b.task_id) ?? 0)) };

    const scheduled = tis.filter((t) => t.state === TaskState.SCHEDULED).sort((a, b) => (cached.order.get(a.task_id) ?? 0) - (cached.order.get(b.task_id) ?? 0));
    for (const ti of scheduled) {
      const task = cached.tasks.get(ti.task_id);
      if (!task) continue;
      const id = { dagId: ti.dag_id, runId: ti.run_id, taskId: ti.task_id, mapIndex: ti.map_index };
      const token = newTryToken();
      // Claimed like the critical section does: fenced by state and try, so a scheduler running beside us takes it or we do, never both.
      const [claimed] = await applyTransitions(
        db,
        [
          {
            id,
            expectStates: [TaskState.SCHEDULED],
            expectTry: ti.try_number,
            set: { state: TaskState.QUEUED, try_token: token, queued_at: Date.now(), queued_by_job_id: null, pending_reason: null },
            audit: { event: "state_change", from_state: TaskState.SCHEDULED, to_state: TaskState.QUEUED, try_number: ti.try_number, reason: "run in process by `switchyard dags test`", source },
          },
        ],
        Date.now(),
      );
      if (!claimed) continue;
      const key = { ...id, tryNumber: ti.try_number };
      const { outcome, logPath } = await runTryInProcess(store, config, { ti, key, token, task, dagFile: dagRow.fileloc, run, dags, source, dirty, ...(opts.signal ? { signal: opts.signal } : {}) });
      opts.onTryLog?.({ taskId: ti.task_id, tryNumber: ti.try_number, state: outcome.state }, readLog(logPath));
    }
    if (scheduled.length > 0) {
      stalled = false;
      continue;
    }

    const retries = tis.filter((t) => t.state === TaskState.UP_FOR_RETRY && t.next_retry_at !== null);
    const inFlight = tis.some((t) => t.state === TaskState.QUEUED || t.state === TaskState.RUNNING);
    if (retries.length > 0) {
      const due = Math.min(...retries.map((t) => Number(t.next_retry_at)));
      await pause(Math.max(0, due - Date.now()), opts.signal);
      for (const t of retries) dirty.markChanged(dagRunId, t.task_id);
    } else if (inFlight) {
      // A scheduler took one of this run's TIs first; its executor runs it and we wait for the outcome.
      await pause(FOREIGN_TRY_POLL_MS, opts.signal);
      dirty.markAll(dagRunId);
    } else if (!stalled) {
      stalled = true;
      dirty.markAll(dagRunId);
    } else {
      const waiting = tis.filter((t) => t.state !== TaskState.SUCCESS && t.state !== TaskState.SKIPPED).map((t) => `${t.task_id} (${t.state})`);
      throw new SwitchyardError("DAG_TEST_STALLED", `run ${run.run_id} of ${dag.dagId} can make no progress: ${waiting.join(", ")}; see \`switchyard dags explain-routing ${dag.dagId} --run-id ${run.run_id}\``);
    }
  }
}

/** Waits `ms`, or less when `signal` aborts (the loop then stops with a message, not an AbortError). */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  await sleep(ms, undefined, signal ? { signal } : {}).catch(() => undefined);
}

function readLog(file: string): string[] {
  try {
    return fs.readFileSync(file, "utf8").split("\n").filter((l) => l !== "");
  } catch {
    return [`(no log at ${file})`];
  }
}
