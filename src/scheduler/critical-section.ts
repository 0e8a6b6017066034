import type { Kysely } from "kysely";
import { TaskState } from "../common/states.js";
import type { Workload } from "../common/workload.js";
import type { SchedulerExecutor } from "../executors/scheduler-executor.js";
import { insertAuditLogs } from "../store/queries/audit.js";
import { poolUsageOf } from "../store/queries/pools.js";
import { acquireSchedulingLock } from "../store/queries/scheduling-lock.js";
import {
  activeTiCounts,
  applyTransitions,
  insertTaskLogs,
  scheduledCandidates,
  setPendingReason,
  type Candidate,
  type TiTransition,
} from "../store/queries/task-instances.js";
import type { Database, NewAuditLog } from "../store/schema.js";
import type { DialectKind } from "../store/dialect.js";
import { ConcurrencyMap, runTaskKey, taskKey } from "./concurrency-map.js";
import type { DagCache } from "./dag-cache.js";
import { tryLogFile } from "../common/workload.js";
import { buildWorkload, newTryToken } from "./workload.js";

export interface CriticalSectionContext {
  db: Kysely<Database>;
  kind: DialectKind;
  dags: DagCache;
  /** Loaded executors by configured name (alias or class name). */
  executors: ReadonlyMap<string, SchedulerExecutor>;
  jobId: number;
  parallelism: number;
  maxTisPerQuery: number;
  defaultMaxActiveTasks: number;
  baseLogFolder: string;
  /** `[core] dags_folder`: workloads name their DAG file relative to it. */
  dagsFolder: string;
  maxTaskLogMb: number;
  now: number;
  source: string;
  /** True once this scheduler has lost its lease: what it queued must not reach an executor. */
  fenced: () => boolean;
}

/**
 * Moves scheduled TIs to queued and hands them to their executors, checking in DESIGN's order:
 * pool exists → pool has open slots → poolSlots <= pool total → poolSlots <= open → DAG
 * maxActiveTasks per run → task maxActiveTisPerDag / maxActiveTisPerDagrun → the executor has a
 * free slot → [core] parallelism. Returns the number queued.
 *
 * The claim query never returns what is already known not to fit: everything at a limit before
 * the pass (runs, tasks, pools, executors) is left out of its first query, and whatever fills up
 * or fails a check during the pass is left out of the next one. So a window is never filled by
 * TIs that cannot run, however many runs are blocked, and no fixed number of queries can stop
 * the search before it reaches runnable work.
 */
export async function enqueueTaskInstances(ctx: CriticalSectionContext): Promise<number> {
  const executorSlots = new Map<string, number>();
  for (const [name, ex] of ctx.executors) executorSlots.set(name, ex.slotsAvailable);
  if (![...executorSlots.values()].some((n) => n > 0)) return 0;

  const handOff = await ctx.db.transaction().execute(async (trx) => {
    // One scheduler at a time decides on these counts, so limits hold across schedulers.
    await acquireSchedulingLock(trx, ctx.kind, ctx.jobId);
    // One read of the active TIs (and the pools) serves both the pools' usage and the concurrency maps.
    const { active, pools: poolRows } = await activeTiCounts(trx);
    const pools = poolUsageOf(poolRows, active);
    const counts = ConcurrencyMap.of(active);
    const starved = await counts.starved(ctx.dags, trx, ctx.defaultMaxActiveTasks);
    const filters = {
      starvedPools: new Set([...pools.values()].filter((p) => p.open <= 0).map((p) => p.name)),
      starvedExecutors: new Set<string>(),
      starvedRuns: starved.runs,
      starvedTasks: starved.tasks,
      starvedRunTasks: starved.runTasks,
    };
    // An executor's parallelism holds across schedulers too: its queued and running TIs in the
    // database count, not only the ones this scheduler's instance holds.
    for (const [name, ex] of ctx.executors) {
      executorSlots.set(name, Math.min(executorSlots.get(name)!, ex.parallelism - (counts.perExecutor.get(name) ?? 0)));
    }
    for (const [name, n] of executorSlots) if (n <= 0) filters.starvedExecutors.add(name);
    // [core] parallelism counts queued and running TIs in the database: every executor, every scheduler.
    let budget = Math.min(ctx.maxTisPerQuery, ctx.parallelism - counts.active);
    const out: Array<{ executor: string; workload: Workload }> = [];
    if (budget <= 0) return out;

    const accepted: Candidate[] = [];
    const reasons: Array<{ c: Candidate; reason: string }> = [];
    const seen = new Set<string>();
    // Every candidate either is accepted or adds what it failed on to the filters, and the filters
    // are finite: the loop ends once the window comes back short or teaches nothing new.
    for (;;) {
      const before = filterSize(filters);
      // What this pass accepted is still scheduled in the database and comes back: leave it room.
      const limit = budget + accepted.length;
      const rows = await scheduledCandidates(trx, filters, limit);
      for (const c of rows) {
        if (budget <= 0) break;
        const tiKey = runTaskKey(c.dag_run_id, c.task_id) + "\u0000" + c.map_index;
        if (seen.has(tiKey)) continue;
        const verdict = await check(c);
        if (verdict === "ok") {
          seen.add(tiKey);
          accepted.push(c);
          budget--;
        } else if (verdict !== null) {
          reasons.push({ c, reason: verdict });
        }
      }
      if (budget <= 0 || rows.length < limit || filterSize(filters) === before) break;
    }

    /** "ok", a reason worth showing the user (the TI waits on something they must fix), or null (just full). */
    async function check(c: Candidate): Promise<"ok" | string | null> {
      const pool = pools.get(c.pool);
      if (!pool) {
        filters.starvedPools.add(c.pool);
        return `pool '${c.pool}' does not exist; create it with \`switchyard pools set ${c.pool} <slots>\``;
      }
      if (pool.open <= 0) {
        filters.starvedPools.add(c.pool);
        return null;
      }
      const dagTask = taskKey(c.dag_id, c.task_id);
      if (pool.slots >= 0 && c.pool_slots > pool.slots) {
        filters.starvedTasks.add(dagTask);
        return `poolSlots ${c.pool_slots} exceeds the ${pool.slots} slot(s) of pool '${c.pool}'; it can never run until the pool grows`;
      }
      if (c.pool_slots > pool.open) {
        // Only this task waits: smaller candidates from the same pool may still fit.
        filters.starvedTasks.add(dagTask);
        return null;
      }
      const cached = await ctx.dags.get(c.dag_id, trx);
      const task = cached?.tasks.get(c.task_id);
      if (!cached || !task) {
        filters.starvedTasks.add(dagTask);
        return `task '${c.task_id}' is no longer defined by DAG '${c.dag_id}'`;
      }
      const maxActiveTasks = cached.dag.maxActiveTasks ?? ctx.defaultMaxActiveTasks;
      if ((counts.perRun.get(c.dag_run_id) ?? 0) >= maxActiveTasks) {
        filters.starvedRuns.add(c.dag_run_id);
        return null;
      }
      if (task.maxActiveTisPerDag !== null && (counts.perDagTask.get(dagTask) ?? 0) >= task.maxActiveTisPerDag) {
        filters.starvedTasks.add(dagTask);
        return null;
      }
      const runTask = runTaskKey(c.dag_run_id, c.task_id);
      if (task.maxActiveTisPerDagrun !== null && (counts.perRunTask.get(runTask) ?? 0) >= task.maxActiveTisPerDagrun) {
        filters.starvedRunTasks.add(runTask);
        return null;
      }
      const slots = executorSlots.get(c.executor);
      if (slots === undefined) {
        filters.starvedExecutors.add(c.executor);
        return `executor '${c.executor}' is not configured in this scheduler; configured: ${[...ctx.executors.keys()].join(", ")}`;
      }
      if (slots <= 0) {
        filters.starvedExecutors.add(c.executor);
        return null;
      }
      executorSlots.set(c.executor, slots - 1); // one executor slot per TI, whatever its poolSlots
      pool.open -= c.pool_slots;
      counts.add(c);
      return "ok";
    }

    await recordWaitReasons(trx, reasons, ctx);
    if (accepted.length === 0) return out;

    // The workloads come first: an executor that knows its external id before sending (a job id
    // derived from the key) has it stored in the same statement that queues the TI, so a scheduler
    // that dies right after sending leaves a try that its successor can adopt by that id.
    const handOffs: Array<{ executor: string; workload: Workload }> = [];
    for (const c of accepted) {
      const task = (await ctx.dags.get(c.dag_id, trx))!.tasks.get(c.task_id)!;
      const workload = buildWorkload({
        key: { dagId: c.dag_id, taskId: c.task_id, runId: c.run_id, mapIndex: c.map_index, tryNumber: c.try_number },
        task,
        dagFile: c.fileloc,
        dagsFolder: ctx.dagsFolder,
        queue: c.queue,
        pool: c.pool,
        priorityWeight: c.priority_weight,
        token: newTryToken(),
        maxTaskLogMb: ctx.maxTaskLogMb,
        logicalDate: Number(c.logical_date),
        conf: c.conf,
      });
      handOffs.push({ executor: c.executor, workload });
    }
    const transitions: TiTransition[] = accepted.map((c, i) => {
      const { executor, workload } = handOffs[i]!;
      const externalId = ctx.executors.get(executor)!.externalIdFor(workload);
      return {
        id: { dagId: c.dag_id, runId: c.run_id, taskId: c.task_id, mapIndex: c.map_index },
        expectStates: [TaskState.SCHEDULED],
        expectTry: c.try_number,
        set: { state: TaskState.QUEUED, queued_at: ctx.now, queued_by_job_id: ctx.jobId, try_token: workload.token, pending_reason: null, external_executor_id: externalId },
        audit: { event: "state_change", from_state: TaskState.SCHEDULED, to_state: TaskState.QUEUED, try_number: c.try_number, reason: `executor ${c.executor}, pool ${c.pool}`, source: ctx.source },
      };
    });
    const applied = await applyTransitions(trx, transitions, ctx.now);
    const logs: Array<Parameters<typeof insertTaskLogs>[1][number]> = [];
    handOffs.forEach((handOff, i) => {
      if (!applied[i]) return;
      logs.push({ ...handOff.workload.key, path: tryLogFile(ctx.baseLogFolder, handOff.workload), executor: handOff.executor });
      out.push(handOff);
    });
    await insertTaskLogs(trx, logs);
    return out;
  });
  // Only after the commit: an executor must never run a try the database does not show as queued.
  // A scheduler that lost its lease meanwhile hands nothing off: those TIs are another's to reset.
  if (ctx.fenced()) return 0;
  for (const { executor, workload } of handOff) ctx.executors.get(executor)!.queueWorkload(workload);
  return handOff.length;
}

function filterSize(f: { starvedPools: Set<string>; starvedExecutors: Set<string>; starvedRuns: Set<number>; starvedTasks: Set<string>; starvedRunTasks: Set<string> }): number {
  return f.starvedPools.size + f.starvedExecutors.size + f.starvedRuns.size + f.starvedTasks.size + f.starvedRunTasks.size;
}

/** A TI that waits on something the user must fix says so on its row and, once per new reason, in the audit log. */
async function recordWaitReasons(db: Kysely<Database>, reasons: Array<{ c: Candidate; reason: string }>, ctx: CriticalSectionContext): Promise<void> {
  const audits: NewAuditLog[] = [];
  for (const { c, reason } of reasons) {
    if (c.pending_reason === reason) continue;
    await setPendingReason(db, c, reason, ctx.now);
    audits.push({
      ts: ctx.now,
      dag_id: c.dag_id,
      run_id: c.run_id,
      task_id: c.task_id,
      map_index: c.map_index,
      try_number: c.try_number,
      event: "waiting",
      from_state: TaskState.SCHEDULED,
      to_state: TaskState.SCHEDULED,
      reason,
      source: ctx.source,
    });
  }
  await insertAuditLogs(db, audits);
}
