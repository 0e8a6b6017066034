import type { Kysely } from "kysely";
import type { Database, NewAuditLog } from "../schema.js";

/** SQLite caps bound parameters per statement; stay well below it whatever the row width. */
const INSERT_CHUNK = 200;

export async function insertAuditLogs(db: Kysely<Database>, rows: readonly NewAuditLog[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await db.insertInto("audit_log").values(rows.slice(i, i + INSERT_CHUNK)).execute();
  }
}

export interface AuditFilter {
  dagId: string;
  runId?: string;
  taskId?: string;
  limit?: number;
}

export async function listAuditLogs(db: Kysely<Database>, filter: AuditFilter) {
  let q = db.selectFrom("audit_log").selectAll().where("dag_id", "=", filter.dagId);
  if (filter.runId !== undefined) q = q.where("run_id", "=", filter.runId);
  if (filter.taskId !== undefined) q = q.where("task_id", "=", filter.taskId);
  return q.orderBy("id").limit(filter.limit ?? 1000).execute();
}
