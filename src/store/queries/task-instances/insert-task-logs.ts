import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";
import { runStatement, statementText, valuesRows } from "../../sql-text.js";
import type { TiId } from "./ti-id.js";

/** Rows per statement: well under SQLite's bound-parameter cap. */
const CHUNK = 200;

export type TaskLogEntry = TiId & { tryNumber: number; path: string; executor: string };

/** Records where a try's log is; a try recorded again (a re-sent workload) keeps one row, with the newer path. */
export async function insertTaskLog(db: Kysely<Database>, row: TaskLogEntry): Promise<void> {
  await insertTaskLogs(db, [row]);
}

/** insertTaskLog for many tries in one statement per chunk (the critical section queues up to a pass's budget at once). */
export async function insertTaskLogs(db: Kysely<Database>, rows: readonly TaskLogEntry[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    // The text is cached per row count (sql-text.ts): a pass's worth of rows is not built node by node.
    const text = statementText(db, `task-log-insert|${chunk.length}`, () => `insert into task_log (dag_id, run_id, task_id, map_index, try_number, path, executor)
      values ${valuesRows(chunk.length, ["?", "?", "?", "?", "?", "?", "?"])}
      on conflict (dag_id, run_id, task_id, map_index, try_number) do update set path = excluded.path, executor = excluded.executor`);
    const parameters: unknown[] = [];
    for (const row of chunk) parameters.push(row.dagId, row.runId, row.taskId, row.mapIndex, row.tryNumber, row.path, row.executor);
    await runStatement<never, Database>(db, text, parameters);
  }
}
