import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";
import type { TiId } from "./ti-id.js";

export type TaskLogEntry = TiId & { tryNumber: number; path: string; executor: string };

/** Records where a try's log is; a try recorded again (a re-sent workload) keeps one row, with the newer path. */
export async function insertTaskLog(db: Kysely<Database>, row: TaskLogEntry): Promise<void> {
  await insertTaskLogs(db, [row]);
}

/** insertTaskLog for many tries in one statement per chunk (the critical section queues up to a pass's budget at once). */
export async function insertTaskLogs(db: Kysely<Database>, rows: readonly TaskLogEntry[]): Promise<void> {
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
