import type { Kysely } from "kysely";
import { DagRunState, TaskState } from "../common/states.js";
import { insertAuditLogs } from "../store/queries/audit.js";
import { finishDagRun, insertTaskInstances, runsByIdInStates } from "../store/queries/dag-runs.js";
import { applyTransitions, hasUnfinished, runTaskStates, taskStates, type TiTransition } from "../store/queries/task-instances.js";
import type { Database, DagRunRow } from "../store/schema.js";
import type { CachedDag, DagCache } from "./dag-cache.js";
import type { DirtyRuns } from "./dirty-runs.js";
import { integrityTransitions } from "./integrity.js";
import { decideTriggerRule, type UpstreamCounts } from "./trigger-rules.js";

export interface DependencyContext {
  db: Kysely<Database>;
  dags: DagCache;
  /** For the TIs of tasks added to a DAG after its run was created (runs.ts executorResolver). */
  resolveExecutor: (executor: string | null) => string;
  now: number;
  source: string;
}

export interface DependencyResult {
  /** TIs that moved (scheduled, skipped, upstream_failed). */
  changed: number;
  /** Runs that finished, with their DAG ids (their DAGs may start queued runs now). */
  finishedRuns: Array<{ dagId: string; runId: string; state: DagRunState }>;
}

type StateRow = { task_id: string; state: string; try_number: number; max_tries: number; next_retry_at: number | null };

/**
 * Moves the TIs of the marked runs along: none → scheduled / skipped / upstream_failed by trigger
 * rule, due up_for_retry → scheduled; then finishes runs whose TIs are all done. Only the
 * downstream of what changed is evaluated, so the cost follows the change, not the run's size.
 */
export async function evaluateDirtyRuns(ctx: DependencyContext, dirty: DirtyRuns): Promise<DependencyResult> {
  const result: DependencyResult = { changed: 0, finishedRuns: [] };
  const marked = dirty.drain();
  if (marked.size === 0) return result;
  try {
    await evaluateMarked(ctx, marked, result);
  } catch (err) {
    // Re-evaluating a run is harmless; forgetting one leaves its tasks waiting for an event that already happened.
    dirty.restore(marked);
    throw err;
  }
  return result;
}

async function evaluateMarked(ctx: DependencyContext, marked: Map<number, Map<string, boolean> | "all">, result: DependencyResult): Promise<void> {
  const runs = await runsByIdInStates(ctx.db, [...marked.keys()], [DagRunState.RUNNING]);
  for (const run of runs) {
    const cached = await ctx.dags.get(run.dag_id);
    if (!cached) continue;
    const marks = marked.get(Number(run.id))!;
    // Tries that ended with nothing downstream (a fan-out's): all there is to learn is whether the
    // run is done, and while TIs are left (the common answer) that read needs no transaction. Once
    // none is, the transaction below reads again before it finishes the run.
    if (!hasCandidates(cached, marks) && (await hasUnfinished(ctx.db, Number(run.id)))) continue;
    const { changed, finished } = await ctx.db.transaction().execute(async (trx) => {
      const tctx = { ...ctx, db: trx };
      const evaluated = await evaluateRun(tctx, cached, run, marks);
      // A TI this transaction scheduled is unfinished at its commit (its row is ours till then): no need to look.
      return { changed: evaluated.changed, finished: evaluated.scheduled ? null : await finishRunIfDone(tctx, cached, run) };
    });
    // Counted once committed: a transaction that failed finished nothing (and is retried next pass).
    result.changed += changed;
    if (finished) result.finishedRuns.push({ dagId: run.dag_id, runId: run.run_id, state: finished });
  }
}

/** Whether evaluating these marks may move a TI: a task marked as a candidate itself, or one with downstream tasks. */
function hasCandidates(cached: CachedDag, marks: ReadonlyMap<string, boolean> | "all"): boolean {
  if (marks === "all") return true;
  for (const [id, self] of marks) if (self || (cached.tasks.get(id)?.downstream.length ?? 0) > 0) return true;
  return false;
}

/** Moves the run's TIs along; `scheduled`: whether one of them was scheduled (so the run cannot be finished). */
async function evaluateRun(ctx: DependencyContext, cached: CachedDag, run: DagRunRow, changedTasks: ReadonlyMap<string, boolean> | "all"): Promise<{ changed: number; scheduled: boolean }> {
  const dagRunId = Number(run.id);
  const states = new Map<string, StateRow>();
  const load = async (ids: Iterable<string> | "all") => {
    const want = ids === "all" ? "all" : [...ids].filter((id) => !states.has(id));
    if (want !== "all" && want.length === 0) return;
    // By primary key for a few tasks: a lookup by dag_run_id would walk the whole run every pass.
    const rows = want === "all" ? await taskStates(ctx.db, dagRunId, "all") : await runTaskStates(ctx.db, { dagId: run.dag_id, runId: run.run_id }, want);
    for (const row of rows) states.set(row.task_id, row);
  };

  let candidates: Set<string>;
  let changed = 0;
  let scheduled = false;
  if (changedTasks === "all") {
    // A run is evaluated whole when it starts, when a scheduler starts, and after a DAG parse: the
    // times its DAG may have lost or regained tasks.
    await load("all");
    changed += (await applyTransitions(ctx.db, integrityTransitions(cached, run, states, ctx.source), ctx.now)).filter(Boolean).length;
    const added = cached.dag.tasks.filter((t) => !states.has(t.taskId));
    if (added.length > 0) {
      const runKey = { dagId: run.dag_id, runId: run.run_id, dagRunId };
      for (const ti of await insertTaskInstances(ctx.db, runKey, added, ctx.resolveExecutor, ctx.now, { skipExisting: true })) states.set(ti.task_id, { ...ti, next_retry_at: null });
      changed += added.length;
    }
    candidates = new Set(cached.tasks.keys());
  } else {
    candidates = new Set<string>();
    for (const [id, self] of changedTasks) {
      if (self) candidates.add(id); // a due retry is itself the candidate
      for (const d of cached.tasks.get(id)?.downstream ?? []) candidates.add(d);
    }
  }

  // Cascades (a failure making a whole branch upstream_failed) are followed in the same pass:
  // each round evaluates candidates in topological order, and what moved seeds the next round.
  while (candidates.size > 0) {
    const needed = new Set<string>(candidates);
    for (const id of candidates) for (const u of cached.tasks.get(id)?.upstream ?? []) needed.add(u);
    await load(needed);
    const ordered = [...candidates].sort((a, b) => (cached.order.get(a) ?? 0) - (cached.order.get(b) ?? 0));
    const transitions: TiTransition[] = [];
    const next = new Set<string>();
    for (const taskId of ordered) {
      const task = cached.tasks.get(taskId);
      const ti = states.get(taskId);
      if (!task || !ti) continue;
      const id = { dagId: run.dag_id, runId: run.run_id, taskId, mapIndex: -1 };
      if (ti.state === TaskState.UP_FOR_RETRY) {
        if (ti.next_retry_at === null || ti.next_retry_at > ctx.now) continue;
        transitions.push(scheduleTransition(id, ti, "retry delay elapsed", ctx.source));
        ti.state = TaskState.SCHEDULED;
        continue;
      }
      if (ti.state !== TaskState.NONE) continue;
      const { decision, counts } = decideTriggerRule(task, (u) => states.get(u)?.state);
      if (decision === "wait") continue;
      if (decision === "run" && task.kind === "empty") {
        // As Airflow does with EmptyOperator: nothing to execute, so no executor round trip.
        const tryNumber = ti.try_number + 1;
        transitions.push({
          id,
          expectStates: [TaskState.NONE],
          expectTry: ti.try_number,
          set: { state: TaskState.SUCCESS, try_number: tryNumber, start_date: ctx.now, end_date: ctx.now, duration: 0 },
          audit: { event: "state_change", from_state: TaskState.NONE, to_state: TaskState.SUCCESS, try_number: tryNumber, reason: "empty task: marked success without an executor", source: ctx.source },
        });
        ti.state = TaskState.SUCCESS;
        for (const d of task.downstream) next.add(d);
        continue;
      }
      if (decision === "run") {
        transitions.push(scheduleTransition(id, ti, null, ctx.source));
        ti.state = TaskState.SCHEDULED;
        continue;
      }
      transitions.push({
        id,
        expectStates: [TaskState.NONE],
        set: { state: decision, start_date: ctx.now, end_date: ctx.now, duration: 0 },
        audit: {
          event: "state_change",
          from_state: TaskState.NONE,
          to_state: decision,
          try_number: ti.try_number,
          reason: `trigger rule ${task.triggerRule}: upstream ${describeCounts(counts)}`,
          source: ctx.source,
        },
      });
      ti.state = decision;
      for (const d of task.downstream) next.add(d);
    }
    const applied = await applyTransitions(ctx.db, transitions, ctx.now);
    changed += applied.filter(Boolean).length;
    if (transitions.some((t, i) => applied[i] && t.set.state === TaskState.SCHEDULED)) scheduled = true;
    candidates = next;
  }
  return { changed, scheduled };
}

function scheduleTransition(
  id: { dagId: string; runId: string; taskId: string; mapIndex: number },
  ti: StateRow,
  reason: string | null,
  source: string,
): TiTransition {
  // The try number moves when a try is scheduled (Airflow 3), so every report names the try it belongs to.
  const tryNumber = ti.try_number + 1;
  return {
    id,
    expectStates: [ti.state],
    expectTry: ti.try_number,
    set: { state: TaskState.SCHEDULED, try_number: tryNumber, next_retry_at: null, start_date: null, end_date: null, duration: null, pid: null, hostname: null, worker: null },
    audit: { event: "state_change", from_state: ti.state, to_state: TaskState.SCHEDULED, try_number: tryNumber, reason, source },
  };
}

function describeCounts(c: UpstreamCounts): string {
  const parts = [`${c.upstream} total`];
  if (c.success) parts.push(`${c.success} success`);
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.upstreamFailed) parts.push(`${c.upstreamFailed} upstream_failed`);
  if (c.skipped) parts.push(`${c.skipped} skipped`);
  return parts.join(", ");
}

/** Airflow's rule: once every TI is done, the run failed if any leaf failed or was upstream_failed, else it succeeded. */
async function finishRunIfDone(ctx: DependencyContext, cached: CachedDag, run: DagRunRow): Promise<DagRunState | null> {
  if (await hasUnfinished(ctx.db, Number(run.id))) return null;
  const leaves = await runTaskStates(ctx.db, { dagId: run.dag_id, runId: run.run_id }, cached.leaves);
  const failedLeaves = leaves.filter((l) => l.state === TaskState.FAILED || l.state === TaskState.UPSTREAM_FAILED);
  const state = failedLeaves.length > 0 ? DagRunState.FAILED : DagRunState.SUCCESS;
  if (!(await finishDagRun(ctx.db, Number(run.id), state, ctx.now))) return null; // another scheduler finished it
  await insertAuditLogs(ctx.db, [
    {
      ts: ctx.now,
      dag_id: run.dag_id,
      run_id: run.run_id,
      event: "dag_run_finished",
      from_state: DagRunState.RUNNING,
      to_state: state,
      reason: failedLeaves.length ? `leaf task(s) ${failedLeaves.map((l) => `${l.task_id} ${l.state}`).join(", ")}` : "all leaf tasks succeeded or were skipped",
      source: ctx.source,
    },
  ]);
  return state;
}
