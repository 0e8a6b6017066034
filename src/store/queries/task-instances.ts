import { sql, type Kysely, type RawBuilder, type SqlBool } from "kysely";
import { tiString } from "../../common/keys.js";
import { DagRunState, isTerminalTaskState, TaskState } from "../../common/states.js";
import { StoreError, StoreErrorCode } from "../errors.js";
import type { Database, NewAuditLog, TaskInstanceRow, TaskInstanceTable, TaskInstanceUpdate } from "../schema.js";
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

/**
 * States of some tasks of one run, found through the primary key (dag_id, run_id, task_id): the
 * cost follows the number of tasks asked for, not the size of the run, unlike a lookup by
 * dag_run_id, which walks every TI of the run.
 */
export async function runTaskStates(
  db: Kysely<Database>,
  run: { dagId: string; runId: string },
  taskIds: readonly string[],
): Promise<Array<Pick<TaskInstanceRow, "task_id" | "state" | "try_number" | "max_tries" | "next_retry_at">>> {
  const out: Array<Pick<TaskInstanceRow, "task_id" | "state" | "try_number" | "max_tries" | "next_retry_at">> = [];
  for (let i = 0; i < taskIds.length; i += 500) {
    const rows = await db
      .selectFrom("task_instance")
      .select(["task_id", "state", "try_number", "max_tries", "next_retry_at"])
      .where("dag_id", "=", run.dagId)
      .where("run_id", "=", run.runId)
      .where("task_id", "in", taskIds.slice(i, i + 500))
      .execute();
    out.push(...rows);
  }
  return out;
}

/** Every state but the terminal ones: an IN list probes the (dag_run_id, state) index once per state. */
const UNFINISHED_STATES: readonly string[] = Object.values(TaskState).filter((s) => !isTerminalTaskState(s));

/** Whether a run has any TI left to finish. Stops at the first, where countUnfinished counts them all on every pass. */
export async function hasUnfinished(db: Kysely<Database>, dagRunId: number): Promise<boolean> {
  const row = await db
    .selectFrom("task_instance")
    .select("task_id")
    .where("dag_run_id", "=", dagRunId)
    .where("state", "in", [...UNFINISHED_STATES])
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
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
 * SQL types of the columns a transition may set. PostgreSQL types a VALUES list from its
 * contents and the driver sends parameters untyped, so each value is cast to its column's type;
 * SQLite reads the same casts as affinities, which the columns apply anyway.
 */
const TI_COLUMN_TYPES: Readonly<Record<keyof TaskInstanceTable, string>> = {
  dag_id: "text",
  run_id: "text",
  task_id: "text",
  map_index: "integer",
  dag_run_id: "bigint",
  state: "text",
  try_number: "integer",
  max_tries: "integer",
  executor: "text",
  queue: "text",
  pool: "text",
  pool_slots: "integer",
  priority_weight: "integer",
  operator: "text",
  hostname: "text",
  pid: "integer",
  worker: "text",
  external_executor_id: "text",
  queued_by_job_id: "bigint",
  queued_at: "bigint",
  start_date: "bigint",
  end_date: "bigint",
  duration: "double precision",
  next_retry_at: "bigint",
  last_heartbeat_at: "bigint",
  try_token: "text",
  pending_reason: "text",
  return_value: "text",
  updated_at: "bigint",
};

/** Rows per multi-row UPDATE: well under SQLite's bound-parameter cap at the widest transition. */
const TRANSITION_CHUNK = 200;

type SetColumn = keyof TaskInstanceTable;

function setColumns(t: TiTransition): SetColumn[] {
  return (Object.keys(t.set) as SetColumn[]).filter((c) => c !== "updated_at" && t.set[c] !== undefined).sort();
}

/**
 * Applies state transitions, each guarded by the state (and try) it expects, so a transition
 * decided on a stale read never overwrites a newer one. Returns which transitions applied.
 *
 * Transitions that expect the same states and set the same columns go out as one multi-row UPDATE
 * (joined to a VALUES list that carries each TI's key, expected try and new values); RETURNING
 * names the rows that actually moved, so fencing stays per TI. Several transitions of one TI in a
 * batch (a running report then a success) keep their order: the k-th transition of each TI goes in
 * the k-th round. Audit rows are written in the order of `transitions`, as one insert.
 */
export async function applyTransitions(db: Kysely<Database>, transitions: readonly TiTransition[], now: number): Promise<boolean[]> {
  const applied: boolean[] = transitions.map(() => false);
  const rounds: Array<Map<string, number[]>> = [];
  const seen = new Map<string, number>();
  const columnsOf: SetColumn[][] = [];
  transitions.forEach((t, i) => {
    const key = tiString(t.id);
    const round = seen.get(key) ?? 0;
    seen.set(key, round + 1);
    const columns = setColumns(t);
    columnsOf[i] = columns;
    const shape = `${t.expectStates.join(",")}|${t.expectTry !== undefined}|${columns.join(",")}`;
    const groups = (rounds[round] ??= new Map());
    const group = groups.get(shape);
    if (group) group.push(i);
    else groups.set(shape, [i]);
  });
  for (const groups of rounds) {
    for (const indexes of groups.values()) {
      for (let c = 0; c < indexes.length; c += TRANSITION_CHUNK) {
        const chunk = indexes.slice(c, c + TRANSITION_CHUNK);
        const moved = await updateGroup(db, chunk.map((i) => transitions[i]!), columnsOf[chunk[0]!]!, now);
        for (const i of chunk) applied[i] = moved.has(tiString(transitions[i]!.id));
      }
    }
  }
  const audits: NewAuditLog[] = [];
  transitions.forEach((t, i) => {
    if (applied[i] && t.audit) {
      audits.push({ ...t.audit, ts: now, dag_id: t.id.dagId, run_id: t.id.runId, task_id: t.id.taskId, map_index: t.id.mapIndex });
    }
  });
  await insertAuditLogs(db, audits);
  return applied;
}

/** One guarded UPDATE for transitions of one shape (same expected states, same columns set, distinct TIs). Returns the tiStrings of the rows it moved. */
async function updateGroup(db: Kysely<Database>, group: readonly TiTransition[], columns: readonly SetColumn[], now: number): Promise<Set<string>> {
  const first = group[0]!;
  const guardTry = first.expectTry !== undefined;
  const cast = (value: unknown, column: SetColumn) => sql`cast(${value} as ${sql.raw(TI_COLUMN_TYPES[column])})`;
  const names = ["v_dag_id", "v_run_id", "v_task_id", "v_map_index", ...(guardTry ? ["v_try"] : []), ...columns.map((c) => `v_${c}`)];
  const rows = group.map((t) => {
    const values = [cast(t.id.dagId, "dag_id"), cast(t.id.runId, "run_id"), cast(t.id.taskId, "task_id"), cast(t.id.mapIndex, "map_index")];
    if (guardTry) values.push(cast(t.expectTry, "try_number"));
    for (const c of columns) values.push(cast(t.set[c], c));
    return sql`(${sql.join(values)})`;
  });
  const assignments = [...columns.map((c) => sql`${sql.ref(c)} = ${sql.ref(`v.v_${c}`)}`), sql`updated_at = ${now}`];
  const result = await sql<{ dag_id: string; run_id: string; task_id: string; map_index: number }>`
    with v (${sql.join(names.map((n) => sql.ref(n)))}) as (values ${sql.join(rows)})
    update task_instance set ${sql.join(assignments)}
    from v
    where task_instance.dag_id = v.v_dag_id and task_instance.run_id = v.v_run_id
      and task_instance.task_id = v.v_task_id and task_instance.map_index = v.v_map_index
      and task_instance.state in (${sql.join([...first.expectStates])})
      ${guardTry ? sql`and task_instance.try_number = v.v_try` : sql``}
    returning dag_id, run_id, task_id, map_index`.execute(db);
  return new Set(result.rows.map((r) => tiString({ dagId: r.dag_id, runId: r.run_id, taskId: r.task_id, mapIndex: Number(r.map_index) })));
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

/** Above this many running runs one query across all of them beats a query per run. */
const PER_RUN_CLAIM_MAX_RUNS = 16;

/**
 * The scheduler's claim query: scheduled TIs of running runs of unpaused, active DAGs (a DAG whose
 * file is gone is not run), highest priority
 * first, then oldest logical date, minus everything already known not to fit this pass (so a
 * candidate that does not fit never hides one that does).
 *
 * With few running runs it asks each run for its first `limit` candidates (a range of the
 * ti_run_claim_idx index, which holds them in claim order) and merges them: the overall first
 * `limit` are among them, in the same order as the single query gives. The single query reads and
 * sorts every scheduled TI on every pass, which cost a 10,000-task fan-out most of its CPU.
 */
export async function scheduledCandidates(db: Kysely<Database>, filters: CandidateFilters, limit: number): Promise<Candidate[]> {
  let runsQuery = db
    .selectFrom("dag_run as r")
    .innerJoin("dag as d", "d.dag_id", "r.dag_id")
    .select(["r.id", "r.logical_date", "r.conf", "d.fileloc"])
    .where("r.state", "=", DagRunState.RUNNING)
    .where("d.is_paused", "=", 0)
    .where("d.is_active", "=", 1);
  if (filters.starvedRuns.size) runsQuery = runsQuery.where("r.id", "not in", [...filters.starvedRuns]);
  const runs = await runsQuery.limit(PER_RUN_CLAIM_MAX_RUNS + 1).execute();
  if (runs.length > PER_RUN_CLAIM_MAX_RUNS) return candidatesAcrossRuns(db, filters, limit);
  const out: Candidate[] = [];
  for (const run of runs) {
    let q = db
      .selectFrom("task_instance as ti")
      .select(CANDIDATE_TI_COLUMNS)
      .where("ti.dag_run_id", "=", run.id)
      .where("ti.state", "=", TaskState.SCHEDULED);
    for (const f of candidateFilters(filters)) q = q.where(f);
    const rows = await q.orderBy("ti.priority_weight", "desc").orderBy("ti.map_index", "asc").orderBy("ti.task_id", "asc").limit(limit).execute();
    const logicalDate = Number(run.logical_date);
    for (const r of rows) out.push({ ...r, dag_run_id: Number(r.dag_run_id), logical_date: logicalDate, conf: run.conf, fileloc: run.fileloc });
  }
  // The single query's ORDER BY. Ids are ASCII (dag/ids.ts), so < orders them as the database's byte-wise collation does.
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  out.sort(
    (a, b) =>
      b.priority_weight - a.priority_weight ||
      a.logical_date - b.logical_date ||
      a.map_index - b.map_index ||
      a.dag_run_id - b.dag_run_id ||
      cmp(a.task_id, b.task_id),
  );
  return out.slice(0, limit);
}

/** The task_instance columns both forms of the claim query read. */
const CANDIDATE_TI_COLUMNS = [
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
] as const;

/** The filters both forms of the claim query apply to task_instance (aliased ti), as conditions to AND. */
function candidateFilters(filters: CandidateFilters): Array<RawBuilder<SqlBool>> {
  const out: Array<RawBuilder<SqlBool>> = [];
  const notIn = (column: RawBuilder<unknown>, values: readonly unknown[]) => sql<SqlBool>`${column} not in (${sql.join([...values])})`;
  if (filters.starvedPools.size) out.push(notIn(sql`ti.pool`, [...filters.starvedPools]));
  if (filters.starvedExecutors.size) out.push(notIn(sql`ti.executor`, [...filters.starvedExecutors]));
  if (filters.starvedRuns.size) out.push(notIn(sql`ti.dag_run_id`, [...filters.starvedRuns]));
  // PostgreSQL text cannot hold NUL: compare against the keys rejoined with "/", which no id contains.
  if (filters.starvedTasks.size) out.push(notIn(sql`ti.dag_id || '/' || ti.task_id`, rejoin(filters.starvedTasks)));
  if (filters.starvedRunTasks.size) out.push(notIn(sql`cast(ti.dag_run_id as varchar(30)) || '/' || ti.task_id`, rejoin(filters.starvedRunTasks)));
  return out;
}

/** The claim query as one statement across every running run (many runs at once). */
async function candidatesAcrossRuns(db: Kysely<Database>, filters: CandidateFilters, limit: number): Promise<Candidate[]> {
  let q = db
    .selectFrom("task_instance as ti")
    .innerJoin("dag_run as r", "r.id", "ti.dag_run_id")
    .innerJoin("dag as d", "d.dag_id", "ti.dag_id")
    .select([
      ...CANDIDATE_TI_COLUMNS,
      "r.logical_date",
      "r.conf",
      "d.fileloc",
    ])
    .where("ti.state", "=", TaskState.SCHEDULED)
    .where("r.state", "=", DagRunState.RUNNING)
    .where("d.is_paused", "=", 0)
    .where("d.is_active", "=", 1);
  for (const f of candidateFilters(filters)) q = q.where(f);
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

/** insertTaskLog for many tries in one statement per chunk (the critical section queues up to a pass's budget at once). */
export async function insertTaskLogs(
  db: Kysely<Database>,
  rows: ReadonlyArray<TiId & { tryNumber: number; path: string; executor: string }>,
): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) {
    await db
      .insertInto("task_log")
      .values(
        rows.slice(i, i + 200).map((row) => ({
          dag_id: row.dagId,
          run_id: row.runId,
          task_id: row.taskId,
          map_index: row.mapIndex,
          try_number: row.tryNumber,
          path: row.path,
          executor: row.executor,
        })),
      )
      .onConflict((oc) =>
        oc.columns(["dag_id", "run_id", "task_id", "map_index", "try_number"]).doUpdateSet((eb) => ({ path: eb.ref("excluded.path"), executor: eb.ref("excluded.executor") })),
      )
      .execute();
  }
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
