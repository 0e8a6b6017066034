import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";

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
