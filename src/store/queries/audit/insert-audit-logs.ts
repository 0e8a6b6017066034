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
 * `name (v_ord, v_ts, v_dag_id, …) as (values …)`: `n` audit rows as a common table expression,
 * their parameters given by auditParameters. Other statements (a transition that writes its own
 * audit rows) join it to what they changed and insert it with auditInsertFrom.
 */
export function auditValuesCte(name: string, n: number): string {
  const names = ["v_ord", ...COLUMNS.map(([c]) => `v_${c}`)];
  const cells = ["cast(? as integer)", ...COLUMNS.map(([, type]) => `cast(? as ${type})`)];
  return `${ident(name)} (${names.map(ident).join(", ")}) as (values ${valuesRows(n, cells)})`;
}

/**
 * Appends the rows of `source` (columns as auditValuesCte names them) in v_ord order. A row is
 * never dated before the rows it follows (the audit log is read in id order): the last stored
 * row's time floors it, read inside this statement (on PostgreSQL the last row committed when the
 * statement starts).
 */
export function auditInsertFrom(source: string): string {
  const selected = COLUMNS.map(([c]) => (c === "ts" ? "case when l.l_ts is null or v.v_ts >= l.l_ts then v.v_ts else l.l_ts end" : `v.${ident(`v_${c}`)}`));
  return `insert into audit_log (${COLUMNS.map(([c]) => ident(c)).join(", ")})
      select ${selected.join(", ")} from ${source} v left join (select ts as l_ts from audit_log order by id desc limit 1) l on 1 = 1 order by v.v_ord`;
}

/**
 * The parameters of auditValuesCte for `rows`, in order. Rows are floored among themselves: a
 * writer whose clock is behind, or a `now` taken before a slow statement, gets the previous row's
 * time instead.
 */
export function auditParameters(rows: readonly NewAuditLog[]): unknown[] {
  const parameters: unknown[] = [];
  let floor = -Infinity;
  rows.forEach((r, j) => {
    floor = Math.max(floor, r.ts);
    parameters.push(j, floor, r.dag_id, r.run_id ?? null, r.task_id ?? null, r.map_index ?? null, r.try_number ?? null, r.event, r.from_state ?? null, r.to_state ?? null, r.reason ?? null, r.source);
  });
  return parameters;
}

/** Appends rows in order, one statement per chunk (dated as auditInsertFrom and auditParameters say). */
export async function insertAuditLogs(db: Kysely<Database>, rows: readonly NewAuditLog[]): Promise<void> {
  if (rows.length === 0) return;
  // Floored across the whole batch, not per chunk.
  const all = auditParameters(rows);
  const width = COLUMNS.length + 1;
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const n = Math.min(INSERT_CHUNK, rows.length - i);
    const text = statementText(db, `audit-insert|${n}`, () => `with ${auditValuesCte("v", n)}
      ${auditInsertFrom("v")}`);
    const parameters = all.slice(i * width, (i + n) * width);
    await runStatement<never, Database>(db, text, parameters);
  }
}
