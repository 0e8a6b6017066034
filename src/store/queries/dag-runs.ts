import type { Kysely, Transaction } from "kysely";
import { DagRunState, TaskState } from "../../common/states.js";
import type { SerializedDag, SerializedTask } from "../../dag/types.js";
import { StoreError, StoreErrorCode } from "../errors.js";
import type { Database, DagRunRow, NewTaskInstance } from "../schema.js";
import { insertAuditLogs } from "./audit.js";

export const RunType = { MANUAL: "manual", SCHEDULED: "scheduled", BACKFILL: "backfill" } as const;
export type RunType = (typeof RunType)[keyof typeof RunType];

export interface NewDagRun {
  dag: SerializedDag;
  runId: string;
  runType: RunType;
  logicalDate: number;
  conf: Record<string, unknown>;
  now: number;
  /** Maps a task's executor field (null = default) to the configured executor name stored on the TI. */
  resolveExecutor: (executor: string | null) => string;
  source: string;
}

const INSERT_CHUNK = 100;

/** Creates a queued run with one TI (state none) per task, atomically; the scheduler starts it. */
export async function createDagRun(db: Kysely<Database>, run: NewDagRun): Promise<DagRunRow> {
  return db.transaction().execute((trx) => createDagRunIn(trx, run));
}

export async function createDagRunIn(trx: Transaction<Database>, run: NewDagRun): Promise<DagRunRow> {
  const clash = await trx
    .selectFrom("dag_run")
    .select("run_id")
    .where("dag_id", "=", run.dag.dagId)
    .where("run_id", "=", run.runId)
    .executeTakeFirst();
  if (clash) {
    throw new StoreError(StoreErrorCode.CONFLICT, `DAG '${run.dag.dagId}' already has a run with id '${run.runId}'; choose another --run-id`);
  }
  const row = await trx
    .insertInto("dag_run")
    .values({
      dag_id: run.dag.dagId,
      run_id: run.runId,
      state: DagRunState.QUEUED,
      run_type: run.runType,
      logical_date: run.logicalDate,
      queued_at: run.now,
      conf: JSON.stringify(run.conf),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const dagRunId = Number(row.id);
  const tis = await insertTaskInstances(trx, { dagId: run.dag.dagId, runId: run.runId, dagRunId }, run.dag.tasks, run.resolveExecutor, run.now);
  await insertAuditLogs(trx, [
    {
      ts: run.now,
      dag_id: run.dag.dagId,
      run_id: run.runId,
      event: "dag_run_created",
      to_state: DagRunState.QUEUED,
      reason: `${run.runType} run with ${tis.length} task instance(s)`,
      source: run.source,
    },
  ]);
  return { ...row, id: dagRunId };
}

/**
 * Inserts a TI (state none, try 0) per task into a run: at its creation, and for tasks added to its
 * DAG since — then with `skipExisting`, as a peer scheduler may add the same TI at the same moment.
 */
export async function insertTaskInstances(
  db: Kysely<Database>,
  run: { dagId: string; runId: string; dagRunId: number },
  tasks: readonly SerializedTask[],
  resolveExecutor: (executor: string | null) => string,
  now: number,
  opts: { skipExisting?: boolean } = {},
): Promise<NewTaskInstance[]> {
  const tis: NewTaskInstance[] = tasks.map((t) => ({
    dag_id: run.dagId,
    run_id: run.runId,
    task_id: t.taskId,
    map_index: -1,
    dag_run_id: run.dagRunId,
    state: TaskState.NONE,
    try_number: 0,
    max_tries: t.retries,
    executor: resolveExecutor(t.executor),
    queue: t.queue,
    pool: t.pool,
    pool_slots: t.poolSlots,
    priority_weight: t.effectivePriorityWeight,
    operator: t.kind,
    updated_at: now,
  }));
  for (let i = 0; i < tis.length; i += INSERT_CHUNK) {
    const insert = db.insertInto("task_instance").values(tis.slice(i, i + INSERT_CHUNK));
    await (opts.skipExisting ? insert.onConflict((oc) => oc.doNothing()) : insert).execute();
  }
  return tis;
}

export async function getDagRun(db: Kysely<Database>, dagId: string, runId: string): Promise<DagRunRow> {
  const row = await db.selectFrom("dag_run").selectAll().where("dag_id", "=", dagId).where("run_id", "=", runId).executeTakeFirst();
  if (!row) {
    const recent = await db
      .selectFrom("dag_run")
      .select("run_id")
      .where("dag_id", "=", dagId)
      .orderBy("id", "desc")
      .limit(5)
      .execute();
    throw new StoreError(
      StoreErrorCode.NOT_FOUND,
      `DAG '${dagId}' has no run '${runId}'; ${recent.length ? `recent runs: ${recent.map((r) => r.run_id).join(", ")}` : "it has no runs yet"}`,
    );
  }
  return row;
}

export async function listDagRuns(db: Kysely<Database>, dagId: string, opts: { state?: string; limit?: number } = {}) {
  let q = db.selectFrom("dag_run").selectAll().where("dag_id", "=", dagId);
  if (opts.state) q = q.where("state", "=", opts.state);
  return q.orderBy("logical_date", "desc").orderBy("id", "desc").limit(opts.limit ?? 100).execute();
}

export async function runsInStates(db: Kysely<Database>, states: readonly string[]): Promise<DagRunRow[]> {
  return db.selectFrom("dag_run").selectAll().where("state", "in", [...states]).orderBy("id").execute();
}

export async function countRunningRunsByDag(db: Kysely<Database>): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom("dag_run")
    .select("dag_id")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("state", "=", DagRunState.RUNNING)
    .groupBy("dag_id")
    .execute();
  return new Map(rows.map((r) => [r.dag_id, Number(r.n)]));
}

export async function setDagRunState(
  db: Kysely<Database>,
  dagRunId: number,
  update: { state: DagRunState; startDate?: number; endDate?: number },
): Promise<void> {
  await db
    .updateTable("dag_run")
    .set({
      state: update.state,
      ...(update.startDate !== undefined ? { start_date: update.startDate } : {}),
      ...(update.endDate !== undefined ? { end_date: update.endDate } : {}),
    })
    .where("id", "=", dagRunId)
    .execute();
}
