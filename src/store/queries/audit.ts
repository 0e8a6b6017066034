// Statements on audit_log, one per module in audit/.
export { countTiAuditEvents } from "./audit/count-ti-audit-events.js";
export { insertAuditLogs } from "./audit/insert-audit-logs.js";
export { listAuditLogs, type AuditFilter } from "./audit/list-audit-logs.js";
