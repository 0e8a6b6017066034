import type { Kysely, Transaction } from "kysely";
import { DagRunState } from "../../../common/states.js";
import type { SerializedDag } from "../../../dag/types.js";
import { StoreError, StoreErrorCode } from "../../errors.js";
import type { Database, DagRunRow } from "../../schema.js";
import { insertAuditLogs } from "../audit/insert-audit-logs.js";
import { insertTaskInstances } from "./insert-task-instances.js";
import type { RunType } from "./run-type.js";

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
