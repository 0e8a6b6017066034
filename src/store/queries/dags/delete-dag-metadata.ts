import type { Kysely } from "kysely";
import { TaskState } from "../../../common/states.js";
import { StoreError, StoreErrorCode } from "../../errors.js";
import type { Database } from "../../schema.js";
import { insertAuditLogs } from "../audit/insert-audit-logs.js";

export interface DeletedDag {
  fileloc: string;
  runs: number;
  taskInstances: number;
  logRows: number;
}

/**
 * Airflow's delete_dag: the DAG's row, runs, task instances and log index rows go, in one
 * transaction; the audit log is kept (with a row saying so), and log files and the DAG file stay.
 * Refused while any of its TIs is queued or running: their tries would report into nothing.
 */
export async function deleteDagMetadata(db: Kysely<Database>, dagId: string, ctx: { now: number; source: string }): Promise<DeletedDag> {
  return db.transaction().execute(async (trx) => {
    const dag = await trx.selectFrom("dag").select("fileloc").where("dag_id", "=", dagId).executeTakeFirst();
    if (!dag) throw new StoreError(StoreErrorCode.NOT_FOUND, `no DAG named '${dagId}' (see \`switchyard dags list\`)`);
    const busy = await trx
      .selectFrom("task_instance")
      .select(["run_id", "task_id", "state"])
      .where("dag_id", "=", dagId)
      .where("state", "in", [TaskState.QUEUED, TaskState.RUNNING])
      .limit(5)
      .execute();
    if (busy.length > 0) {
      throw new StoreError(
        StoreErrorCode.CONFLICT,
        `DAG '${dagId}' has task instances in flight (${busy.map((b) => `${b.task_id} ${b.state} in ${b.run_id}`).join(", ")}); pause it and wait for them to end, then delete`,
      );
    }
    const logRows = await trx.deleteFrom("task_log").where("dag_id", "=", dagId).executeTakeFirst();
    const tis = await trx.deleteFrom("task_instance").where("dag_id", "=", dagId).executeTakeFirst();
    const runs = await trx.deleteFrom("dag_run").where("dag_id", "=", dagId).executeTakeFirst();
    await trx.deleteFrom("dag").where("dag_id", "=", dagId).execute();
    await insertAuditLogs(trx, [{ ts: ctx.now, dag_id: dagId, event: "dag_deleted", reason: `metadata deleted; ${dag.fileloc} is kept`, source: ctx.source }]);
    return { fileloc: dag.fileloc, runs: Number(runs.numDeletedRows), taskInstances: Number(tis.numDeletedRows), logRows: Number(logRows.numDeletedRows) };
  });
}
