import { sql, type Kysely } from "kysely";
import { tiString } from "../../common/keys.js";
import { DagRunState, TaskState } from "../../common/states.js";
import { StoreError, StoreErrorCode } from "../errors.js";
import type { Database, NewAuditLog, TaskInstanceRow, TaskInstanceUpdate } from "../schema.js";
import { insertAuditLogs } from "./audit.js";

export interface TiId {
  dagId: string;
  runId: string;
  taskId: string;
  mapIndex: number;
}

export const ACTIVE_TI_STATES = [TaskState.QUEUED, TaskState.RUNNING] as const;

export async function getTaskInstance(db: Kysely<Database>, id: TiId): Promise<TaskInstanceRow | undefined> {
  return db
    .selectFrom("task_instance")
    .selectAll()
    .where("dag_id", "=", id.dagId)
    .where("run_id", "=", id.runId)
    .where("task_id", "=", id.taskId)
    .where("map_index", "=", id.mapIndex)
    .executeTakeFirst();
}

/** Many TIs by id in a few statements (row-value IN), keyed by tiString. */
export async function getTaskInstances(db: Kysely<Database>, ids: readonly TiId[]): Promise<Map<string, TaskInstanceRow>> {
  const out = new Map<string, TaskInstanceRow>();
  for (let i = 0; i < ids.length; i += 200) {
    const chunk = ids.slice(i, i + 200);
    const rows = await db
      .selectFrom("task_instance")
      .selectAll()
      .where((eb) =>
        eb(
          eb.refTuple("dag_id", "run_id", "task_id", "map_index"),
          "in",
          chunk.map((id) => eb.tuple(id.dagId, id.runId, id.taskId, id.mapIndex)),
        ),
      )
      .execute();
    for (const r of rows) out.set(tiString({ dagId: r.dag_id, runId: r.run_id, taskId: r.task_id, mapIndex: r.map_index }), r);
  }
  return out;
}

/** Like getTaskInstance, but a missing TI is an error that names what exists. */
export async function requireTaskInstance(db: Kysely<Database>, id: TiId): Promise<TaskInstanceRow> {
  const ti = await getTaskInstance(db, id);
  if (ti) return ti;
  const run = await db.selectFrom("dag_run").select("id").where("dag_id", "=", id.dagId).where("run_id", "=", id.runId).executeTakeFirst();
  if (!run) {
    const dag = await db.selectFrom("dag").select("dag_id").where("dag_id", "=", id.dagId).executeTakeFirst();
    throw new StoreError(
      StoreErrorCode.NOT_FOUND,
      dag
        ? `DAG '${id.dagId}' has no run '${id.runId}'; list its runs with \`switchyard dags list-runs ${id.dagId}\``
        : `no DAG named '${id.dagId}'; list DAGs with \`switchyard dags list\``,
    );
  }
  const tasks = await db.selectFrom("task_instance").select("task_id").where("dag_run_id", "=", run.id).orderBy("task_id").execute();
  throw new StoreError(
    StoreErrorCode.NOT_FOUND,
    `run '${id.runId}' of DAG '${id.dagId}' has no task '${id.taskId}'${id.mapIndex >= 0 ? ` with map index ${id.mapIndex}` : ""}; its tasks: ${tasks.map((t) => t.task_id).join(", ")}`,
  );
}

export async function listTaskInstances(db: Kysely<Database>, dagRunId: number): Promise<TaskInstanceRow[]> {
  return db.selectFrom("task_instance").selectAll().where("dag_run_id", "=", dagRunId).orderBy("task_id").execute();
}

/** States of some tasks of one run (for incremental dependency evaluation). */
export async function taskStates(
  db: Kysely<Database>,
  dagRunId: number,
  taskIds: readonly string[] | "all",
): Promise<Array<Pick<TaskInstanceRow, "task_id" | "state" | "try_number" | "max_tries" | "next_retry_at">>> {
  const base = db
    .selectFrom("task_instance")
    .select(["task_id", "state", "try_number", "max_tries", "next_retry_at"])
    .where("dag_run_id", "=", dagRunId);
  if (taskIds === "all") return base.execute();
  const out: Array<Pick<TaskInstanceRow, "task_id" | "state" | "try_number" | "max_tries" | "next_retry_at">> = [];
  const ids = [...taskIds];
  for (let i = 0; i < ids.length; i += 500) {
    out.push(...(await base.where("task_id", "in", ids.slice(i, i + 500)).execute()));
  }
  return out;
}

export async function countUnfinished(db: Kysely<Database>, dagRunId: number): Promise<number> {
  const row = await db
    .selectFrom("task_instance")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("dag_run_id", "=", dagRunId)
    .where("state", "not in", [TaskState.SUCCESS, TaskState.FAILED, TaskState.SKIPPED, TaskState.UPSTREAM_FAILED, TaskState.REMOVED])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface TiTransition {
  id: TiId;
  /** The update applies only while the TI is in one of these states (and at this try, when given). */
  expectStates: readonly string[];
  expectTry?: number;
  set: TaskInstanceUpdate;
  audit: Omit<NewAuditLog, "dag_id" | "run_id" | "task_id" | "map_index" | "ts"> | null;
}

/**
 * Applies state transitions, each guarded by the state (and try) it expects, so a transition
 * decided on a stale read never overwrites a newer one. Returns which transitions applied.
 */
export async function applyTransitions(db: Kysely<Database>, transitions: readonly TiTransition[], now: number): Promise<boolean[]> {
  const applied: boolean[] = [];
  const audits: NewAuditLog[] = [];
  for (const t of transitions) {
    let q = db
      .updateTable("task_instance")
      .set({ ...t.set, updated_at: now })
      .where("dag_id", "=", t.id.dagId)
      .where("run_id", "=", t.id.runId)
      .where("task_id", "=", t.id.taskId)
      .where("map_index", "=", t.id.mapIndex)
      .where("state", "in", [...t.expectStates]);
    if (t.expectTry !== undefined) q = q.where("try_number", "=", t.expectTry);
    const result = await q.executeTakeFirst();
    const ok = Number(result.numUpdatedRows) > 0;
    applied.push(ok);
    if (ok && t.audit) {
      audits.push({ ...t.audit, ts: now, dag_id: t.id.dagId, run_id: t.id.runId, task_id: t.id.taskId, map_index: t.id.mapIndex });
    }
  }
  await insertAuditLogs(db, audits);
  return applied;
}

/** Queued and running TIs counted per run, per (dag, task) and per (run, task): the critical section's concurrency maps. */
export async function activeTiCounts(db: Kysely<Database>) {
  return db
    .selectFrom("task_instance")
    .select(["dag_run_id", "dag_id", "task_id", "executor"])
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("state", "in", [...ACTIVE_TI_STATES])
    .groupBy(["dag_run_id", "dag_id", "task_id", "executor"])
    .execute();
}

export interface CandidateFilters {
  starvedPools: ReadonlySet<string>;
  starvedExecutors: ReadonlySet<string>;
  starvedRuns: ReadonlySet<number>;
  /** `${dagId}\u0000${taskId}` */
  starvedTasks: ReadonlySet<string>;
  /** `${dagRunId}\u0000${taskId}` */
  starvedRunTasks: ReadonlySet<string>;
}

export interface Candidate {
  dag_id: string;
  run_id: string;
  task_id: string;
  map_index: number;
  dag_run_id: number;
  try_number: number;
  executor: string;
  queue: string;
  pool: string;
  pool_slots: number;
  priority_weight: number;
  pending_reason: string | null;
  logical_date: number;
  conf: string;
  fileloc: string;
}

const rejoin = (keys: ReadonlySet<string>) => [...keys].map((k) => k.replace("\u0000", "/"));

/**
 * The scheduler's claim query: scheduled TIs of running runs of unpaused DAGs, highest priority
 * first, then oldest logical date, minus everything already known not to fit this pass (so a
 * candidate that does not fit never hides one that does).
 */
export async function scheduledCandidates(db: Kysely<Database>, filters: CandidateFilters, limit: number): Promise<Candidate[]> {
  let q = db
    .selectFrom("task_instance as ti")
    .innerJoin("dag_run as r", "r.id", "ti.dag_run_id")
    .innerJoin("dag as d", "d.dag_id", "ti.dag_id")
    .select([
      "ti.dag_id",
      "ti.run_id",
      "ti.task_id",
      "ti.map_index",
      "ti.dag_run_id",
      "ti.try_number",
      "ti.executor",
      "ti.queue",
      "ti.pool",
      "ti.pool_slots",
      "ti.priority_weight",
      "ti.pending_reason",
      "r.logical_date",
      "r.conf",
      "d.fileloc",
    ])
    .where("ti.state", "=", TaskState.SCHEDULED)
    .where("r.state", "=", DagRunState.RUNNING)
    .where("d.is_paused", "=", 0);
  if (filters.starvedPools.size) q = q.where("ti.pool", "not in", [...filters.starvedPools]);
  if (filters.starvedExecutors.size) q = q.where("ti.executor", "not in", [...filters.starvedExecutors]);
  if (filters.starvedRuns.size) q = q.where("ti.dag_run_id", "not in", [...filters.starvedRuns]);
  // PostgreSQL text cannot hold NUL: compare against the keys rejoined with "/", which no id contains.
  if (filters.starvedTasks.size) {
    q = q.where(sql<string>`ti.dag_id || '/' || ti.task_id`, "not in", rejoin(filters.starvedTasks));
  }
  if (filters.starvedRunTasks.size) {
    q = q.where(sql<string>`cast(ti.dag_run_id as varchar(30)) || '/' || ti.task_id`, "not in", rejoin(filters.starvedRunTasks));
  }
  const rows = await q
    .orderBy("ti.priority_weight", "desc")
    .orderBy("r.logical_date", "asc")
    .orderBy("ti.map_index", "asc")
    .orderBy("ti.dag_run_id", "asc")
    .orderBy("ti.task_id", "asc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, dag_run_id: Number(r.dag_run_id) }));
}

/** Runs with retries that have come due. */
export async function runsWithDueRetries(db: Kysely<Database>, now: number): Promise<Array<{ dag_run_id: number; task_id: string }>> {
  const rows = await db
    .selectFrom("task_instance")
    .select(["dag_run_id", "task_id"])
    .where("state", "=", TaskState.UP_FOR_RETRY)
    .where("next_retry_at", "<=", now)
    .execute();
  return rows.map((r) => ({ dag_run_id: Number(r.dag_run_id), task_id: r.task_id }));
}

export async function nextRetryDue(db: Kysely<Database>): Promise<number | null> {
  const row = await db
    .selectFrom("task_instance")
    .select((eb) => eb.fn.min("next_retry_at").as("at"))
    .where("state", "=", TaskState.UP_FOR_RETRY)
    .executeTakeFirst();
  return row?.at == null ? null : Number(row.at);
}

export async function listTaskLogs(db: Kysely<Database>, id: TiId) {
  return db
    .selectFrom("task_log")
    .selectAll()
    .where("dag_id", "=", id.dagId)
    .where("run_id", "=", id.runId)
    .where("task_id", "=", id.taskId)
    .where("map_index", "=", id.mapIndex)
    .orderBy("try_number")
    .execute();
}

export async function insertTaskLog(
  db: Kysely<Database>,
  row: TiId & { tryNumber: number; path: string; executor: string },
): Promise<void> {
  await db
    .insertInto("task_log")
    .values({
      dag_id: row.dagId,
      run_id: row.runId,
      task_id: row.taskId,
      map_index: row.mapIndex,
      try_number: row.tryNumber,
      path: row.path,
      executor: row.executor,
    })
    .onConflict((oc) => oc.columns(["dag_id", "run_id", "task_id", "map_index", "try_number"]).doUpdateSet({ path: row.path, executor: row.executor }))
    .execute();
}

/** TIs that reached a state their downstream cares about since `since`: how the scheduler notices tries recorded by other processes. */
export async function recentlySettled(db: Kysely<Database>, since: number): Promise<Array<{ dag_run_id: number; task_id: string }>> {
  const rows = await db
    .selectFrom("task_instance")
    .select(["dag_run_id", "task_id"])
    .where("updated_at", ">=", since)
    .where("state", "in", [TaskState.SUCCESS, TaskState.FAILED, TaskState.SKIPPED, TaskState.UPSTREAM_FAILED, TaskState.UP_FOR_RETRY, TaskState.NONE])
    .execute();
  return rows.map((r) => ({ dag_run_id: Number(r.dag_run_id), task_id: r.task_id }));
}
