import type { Kysely } from "kysely";
import { tiString } from "../../../common/keys.js";
import type { Database, TaskInstanceRow } from "../../schema.js";
import { runStatement, statementText, valuesRows } from "../../sql-text.js";
import type { TiId } from "./ti-id.js";

/** Rows per statement: well under SQLite's bound-parameter cap. */
const CHUNK = 200;

/** Many TIs by id in a few statements (row-value IN), keyed by tiString. The text is cached per id count (sql-text.ts). */
export async function getTaskInstances(db: Kysely<Database>, ids: readonly TiId[]): Promise<Map<string, TaskInstanceRow>> {
  const out = new Map<string, TaskInstanceRow>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const text = statementText(
      db,
      `ti-by-ids|${chunk.length}`,
      () => `select * from task_instance where (dag_id, run_id, task_id, map_index) in (${valuesRows(chunk.length, ["?", "?", "?", "?"])})`,
    );
    const parameters: unknown[] = [];
    for (const id of chunk) parameters.push(id.dagId, id.runId, id.taskId, id.mapIndex);
    const { rows } = await runStatement<TaskInstanceRow, Database>(db, text, parameters);
    for (const r of rows) out.set(tiString({ dagId: r.dag_id, runId: r.run_id, taskId: r.task_id, mapIndex: r.map_index }), r);
  }
  return out;
}
