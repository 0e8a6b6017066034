import type { Kysely } from "kysely";
import type { ActiveTiGroup } from "../store/queries/task-instances.js";
import type { Database } from "../store/schema.js";
import type { DagCache } from "./dag-cache.js";

const sep = "\u0000";

/** The keys the critical section's limits and the claim query's filters use. */
export const taskKey = (dagId: string, taskId: string) => dagId + sep + taskId;
export const runTaskKey = (dagRunId: number, taskId: string) => dagRunId + sep + taskId;

export interface ActiveTi {
  dag_run_id: number;
  dag_id: string;
  task_id: string;
  executor: string;
}

/**
 * Queued and running TIs counted every way a limit counts them: in total ([core] parallelism),
 * per executor, per run (maxActiveTasks), per (DAG, task) (maxActiveTisPerDag) and per (run, task)
 * (maxActiveTisPerDagrun). Airflow's ConcurrencyMap. Read under the scheduling lock and updated as
 * the critical section accepts candidates, so every limit stays exact across schedulers.
 */
export class ConcurrencyMap {
  active = 0;
  readonly perExecutor = new Map<string, number>();
  readonly perRun = new Map<number, number>();
  readonly perDagTask = new Map<string, number>();
  readonly perRunTask = new Map<string, number>();
  /** The DAG of each run with active TIs: a run's limit is its DAG's. */
  private readonly dagOfRun = new Map<number, string>();

  /** From the active TIs as activeTiCounts groups them (read under the scheduling lock). */
  static of(groups: readonly ActiveTiGroup[]): ConcurrencyMap {
    const map = new ConcurrencyMap();
    for (const g of groups) map.add(g, g.n);
    return map;
  }

  add(ti: ActiveTi, n = 1): void {
    const bump = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + n);
    this.active += n;
    bump(this.perExecutor, ti.executor);
    bump(this.perRun, ti.dag_run_id);
    bump(this.perDagTask, taskKey(ti.dag_id, ti.task_id));
    bump(this.perRunTask, runTaskKey(ti.dag_run_id, ti.task_id));
    this.dagOfRun.set(ti.dag_run_id, ti.dag_id);
  }

  /**
   * What is already at its limit before any candidate is read: runs at their DAG's maxActiveTasks,
   * tasks at maxActiveTisPerDag, (run, task) pairs at maxActiveTisPerDagrun. The claim query leaves
   * them out, so however many runs are blocked, its window holds only TIs that may run (Airflow's
   * starved_dags / starved_tasks filters). Each set is bounded by the active TIs (at most
   * [core] parallelism), since only a run or task with active TIs can be at a limit of one or more.
   */
  async starved(dags: DagCache, db: Kysely<Database>, defaultMaxActiveTasks: number) {
    const runs = new Set<number>();
    const tasks = new Set<string>();
    const runTasks = new Set<string>();
    for (const [runId, n] of this.perRun) {
      const cached = await dags.get(this.dagOfRun.get(runId)!, db);
      if (cached && n >= (cached.dag.maxActiveTasks ?? defaultMaxActiveTasks)) runs.add(runId);
    }
    for (const [key, n] of this.perDagTask) {
      const [dagId, taskId] = key.split(sep) as [string, string];
      const limit = (await dags.get(dagId, db))?.tasks.get(taskId)?.maxActiveTisPerDag;
      if (limit != null && n >= limit) tasks.add(key);
    }
    for (const [key, n] of this.perRunTask) {
      const [runId, taskId] = key.split(sep) as [string, string];
      const limit = (await dags.get(this.dagOfRun.get(Number(runId))!, db))?.tasks.get(taskId)?.maxActiveTisPerDagrun;
      if (limit != null && n >= limit) runTasks.add(key);
    }
    return { runs, tasks, runTasks };
  }
}
