import type { Kysely } from "kysely";
import type { Database, NewAuditLog } from "../../schema.js";
import { ident, runStatement, statementText, valuesRows } from "../../sql-text.js";

/** SQLite caps bound parameters per statement; stay well below it whatever the row width. */
const INSERT_CHUNK = 200;

/** The columns written, with the SQL type each parameter is cast to (PostgreSQL types a VALUES list from its contents). */
const COLUMNS = [
  ["ts", "bigint"],
  ["dag_id", "text"],
  ["run_id", "text"],
  ["task_id", "text"],
  ["map_index", "integer"],
  ["try_number", "integer"],
  ["event", "text"],
  ["from_state", "text"],
  ["to_state", "text"],
  ["reason", "text"],
  ["source", "text"],
] as const satisfies ReadonlyArray<readonly [keyof NewAuditLog, string]>;

/**
 * Appends rows in order. A row is never dated before the rows it follows (the audit log is read in id
 * order): writers whose clocks are behind, or a `now` taken before a slow statement, get the last
 * row's time instead. On PostgreSQL the last row is the last one committed when the statement starts.
 *
 * The rows of a batch are floored among themselves here, and against the last stored row inside
 * the insert itself (one statement per chunk, not a read and then a write).
 */
export async function insertAuditLogs(db: Kysely<Database>, rows: readonly NewAuditLog[]): Promise<void> {
  if (rows.length === 0) return;
  let floor = -Infinity;
  const dated = rows.map((r) => {
    floor = Math.max(floor, r.ts);
    return floor;
  });
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const chunk = rows.slice(i, i + INSERT_CHUNK);
    const text = statementText(db, `audit-insert|${chunk.length}`, () => {
      const names = ["v_ord", ...COLUMNS.map(([c]) => `v_${c}`)];
      const cells = ["cast(? as integer)", ...COLUMNS.map(([, type]) => `cast(? as ${type})`)];
      const selected = COLUMNS.map(([c]) => (c === "ts" ? "case when l.l_ts is null or v.v_ts >= l.l_ts then v.v_ts else l.l_ts end" : `v.${ident(`v_${c}`)}`));
      return `with v (${names.map(ident).join(", ")}) as (values ${valuesRows(chunk.length, cells)}),
      l (l_ts) as (select ts from audit_log order by id desc limit 1)
      insert into audit_log (${COLUMNS.map(([c]) => ident(c)).join(", ")})
      select ${selected.join(", ")} from v left join l on 1 = 1 order by v.v_ord`;
    });
    const parameters: unknown[] = [];
    chunk.forEach((r, j) => {
      parameters.push(j, dated[i + j], r.dag_id, r.run_id ?? null, r.task_id ?? null, r.map_index ?? null, r.try_number ?? null, r.event, r.from_state ?? null, r.to_state ?? null, r.reason ?? null, r.source);
    });
    await runStatement<never, Database>(db, text, parameters);
  }
}
