import type { Kysely } from "kysely";
import { formatKey, tiString } from "../common/keys.js";
import { TaskState } from "../common/states.js";
import { EventState, type TaskEvent } from "../common/workload.js";
import type { SerializedTask } from "../dag/types.js";
import { insertAuditLogs } from "../store/queries/audit.js";
import { applyTransitions, getTaskInstances, type TiTransition } from "../store/queries/task-instances.js";
import type { Database, NewAuditLog, TaskInstanceRow } from "../store/schema.js";
import type { DagCache } from "./dag-cache.js";
import type { DirtyRuns } from "./dirty-runs.js";
import { logFailedTry, logRetry, type OutcomeLogger } from "./outcome-log.js";
import { isEligibleToRetry, retryDelaySeconds } from "./retry.js";

const IN_FLIGHT: readonly string[] = [TaskState.QUEUED, TaskState.RUNNING];

export type EventDecision = { transition: TiTransition } | { rejection: string } | { ignore: true };

/**
 * Turns one report about a try into a guarded TI transition. Reports are fenced by try number, by
 * try token and by state: a late report from an old try, one from a try that was reset and sent
 * again under the same number, or a success for a TI already declared failed, is rejected (and
 * audited by the caller), never applied. A report without a token (what the scheduler decides
 * itself: zombies, sweeps) is fenced by number and state only.
 */
export function decideEvent(ti: TaskInstanceRow, event: TaskEvent, task: SerializedTask | undefined, now: number, source: string): EventDecision {
  const id = { dagId: ti.dag_id, runId: ti.run_id, taskId: ti.task_id, mapIndex: ti.map_index };
  const tryNumber = event.key.tryNumber;
  if (ti.try_number !== tryNumber) {
    return { rejection: `report '${event.state}' from try ${tryNumber} rejected: the task instance is at try ${ti.try_number} (${ti.state})` };
  }
  // The tokens are secrets of their tries: the reason says that they differ, never what they are.
  if (event.token !== undefined && event.token !== ti.try_token) {
    const why = ti.try_token === null ? "the task instance has no try token now: it was cleared since this try was sent" : `try ${tryNumber} was sent again under another token since this copy was sent`;
    return { rejection: `report '${event.state}' from try ${tryNumber} rejected: try token mismatch (${why}; the task instance is ${ti.state})` };
  }
  const info = event.info;
  const base = { id, expectTry: tryNumber };
  switch (event.state) {
    case EventState.QUEUED:
      if (ti.state !== TaskState.QUEUED || !info.externalExecutorId) return { ignore: true };
      return { transition: { ...base, expectStates: [TaskState.QUEUED], set: { external_executor_id: info.externalExecutorId }, audit: null } };
    case EventState.RUNNING: {
      if (ti.state === TaskState.RUNNING) {
        return { transition: { ...base, expectStates: [TaskState.RUNNING], set: { ...runnerFields(info), last_heartbeat_at: now }, audit: null } };
      }
      if (ti.state !== TaskState.QUEUED) {
        return { rejection: `report 'running' from try ${tryNumber} rejected: the task instance is ${ti.state}` };
      }
      return {
        transition: {
          ...base,
          expectStates: [TaskState.QUEUED],
          set: { state: TaskState.RUNNING, start_date: info.startDate ?? now, last_heartbeat_at: now, ...runnerFields(info), pending_reason: null },
          audit: { event: "state_change", from_state: ti.state, to_state: TaskState.RUNNING, try_number: tryNumber, reason: runnerReason(info), source },
        },
      };
    }
    case EventState.SUCCESS:
    case EventState.FAILED: {
      if (!IN_FLIGHT.includes(ti.state)) {
        return { rejection: `late report '${event.state}' from try ${tryNumber} rejected: the task instance is already ${ti.state}` };
      }
      const end = info.endDate ?? now;
      const start = ti.start_date ?? info.startDate ?? end;
      const finished = {
        end_date: end,
        start_date: start,
        duration: Math.max(0, end - start) / 1000,
        ...runnerFields(info),
      };
      if (event.state === EventState.SUCCESS) {
        return {
          transition: {
            ...base,
            expectStates: IN_FLIGHT,
            set: { ...finished, state: TaskState.SUCCESS, return_value: info.returnValue === undefined ? null : JSON.stringify(info.returnValue) },
            audit: { event: "state_change", from_state: ti.state, to_state: TaskState.SUCCESS, try_number: tryNumber, reason: null, source },
          },
        };
      }
      const retry = isEligibleToRetry(tryNumber, ti.max_tries);
      const delay = retry && task ? retryDelaySeconds(task, tryNumber) : 0;
      const to = retry ? TaskState.UP_FOR_RETRY : TaskState.FAILED;
      const why = failureReason(info);
      return {
        transition: {
          ...base,
          expectStates: IN_FLIGHT,
          set: { ...finished, state: to, next_retry_at: retry ? end + delay * 1000 : null },
          audit: {
            event: "state_change",
            from_state: ti.state,
            to_state: to,
            try_number: tryNumber,
            reason: retry ? `${why}; retry ${tryNumber} of ${ti.max_tries} in ${delay}s` : ti.max_tries > 0 ? `${why}; no retries left` : why,
            source,
          },
        },
      };
    }
  }
}

/** Why a try failed, as its report says. */
function failureReason(info: TaskEvent["info"]): string {
  return info.error ?? "the try failed";
}

function runnerFields(info: TaskEvent["info"]) {
  return {
    ...(info.pid !== undefined ? { pid: info.pid } : {}),
    ...(info.hostname !== undefined ? { hostname: info.hostname } : {}),
    ...(info.worker !== undefined ? { worker: info.worker } : {}),
    ...(info.externalExecutorId !== undefined ? { external_executor_id: info.externalExecutorId } : {}),
  };
}

function runnerReason(info: TaskEvent["info"]): string | null {
  if (info.pid === undefined) return null;
  return `pid ${info.pid} on ${info.hostname ?? "?"}${info.worker !== undefined ? ` (worker ${info.worker})` : ""}`;
}

export interface ApplyEventsContext {
  db: Kysely<Database>;
  dags: DagCache;
  now: number;
  source: string;
  dirty?: DirtyRuns;
  /** Where failed tries and retries are announced (the scheduler's log); unset: nowhere. */
  logger?: OutcomeLogger;
}

/** Applies a batch of reports in one transaction. Returns how many changed a TI. */
export async function applyTaskEvents(ctx: ApplyEventsContext, events: readonly TaskEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const failures: Array<{ event: TaskEvent; retryAt: number | null }> = [];
  const changed = await ctx.db.transaction().execute(async (trx) => {
    failures.length = 0; // a retried transaction starts over
    const transitions: Array<{ t: TiTransition; dagRunId: number; event: TaskEvent }> = [];
    const rejections: NewAuditLog[] = [];
    const tis = await getTaskInstances(trx, events.map((e) => e.key));
    for (const event of events) {
      const k = event.key;
      const ti = tis.get(tiString(k));
      if (!ti) {
        rejections.push(auditRow(ctx, event, `report '${event.state}' for ${formatKey(k)} rejected: no such task instance`));
        continue;
      }
      // Only a failure needs the task (its retry delay): a success is decided on the row alone.
      const task = event.state === EventState.FAILED ? (await ctx.dags.get(ti.dag_id, trx))?.tasks.get(ti.task_id) : undefined;
      const decision = decideEvent(ti, event, task, ctx.now, ctx.source);
      if ("rejection" in decision) rejections.push(auditRow(ctx, event, decision.rejection));
      else if ("transition" in decision) {
        // A later report for the same TI in this batch is decided against the state this one leaves.
        const to = decision.transition.set.state;
        if (typeof to === "string") tis.set(tiString(k), { ...ti, state: to });
        transitions.push({ t: decision.transition, dagRunId: Number(ti.dag_run_id), event });
      }
    }
    const applied = await applyTransitions(trx, transitions.map((x) => x.t), ctx.now);
    await insertAuditLogs(trx, rejections);
    let n = 0;
    applied.forEach((ok, i) => {
      if (!ok) return;
      n++;
      const x = transitions[i]!;
      const finishes = x.event.state === EventState.SUCCESS || x.event.state === EventState.FAILED;
      // A try that ended in success or failed moves only its downstream; one up for retry may itself be due.
      if (finishes) ctx.dirty?.markChanged(x.dagRunId, x.t.id.taskId, x.t.set.state === TaskState.UP_FOR_RETRY);
      if (x.event.state === EventState.FAILED) failures.push({ event: x.event, retryAt: x.t.set.state === TaskState.UP_FOR_RETRY ? (x.t.set.next_retry_at ?? null) : null });
    });
    return n;
  });
  // Only what committed is announced, and only by the scheduler whose guarded update applied it.
  if (ctx.logger) {
    for (const { event, retryAt } of failures) {
      logFailedTry(ctx.logger, event.key, failureReason(event.info));
      if (retryAt !== null) logRetry(ctx.logger, event.key, retryAt);
    }
  }
  return changed;
}

function auditRow(ctx: ApplyEventsContext, event: TaskEvent, reason: string): NewAuditLog {
  return {
    ts: ctx.now,
    dag_id: event.key.dagId,
    run_id: event.key.runId,
    task_id: event.key.taskId,
    map_index: event.key.mapIndex,
    try_number: event.key.tryNumber,
    event: "report_rejected",
    reason,
    source: ctx.source,
  };
}
