import type { Kysely } from "kysely";
import type { Database, NewAuditLog } from "../../schema.js";

/** SQLite caps bound parameters per statement; stay well below it whatever the row width. */
const INSERT_CHUNK = 200;

/**
 * Appends rows in order. A row is never dated before the rows it follows (the audit log is read in id
 * order): writers whose clocks are behind, or a `now` taken before a slow statement, get the last
 * row's time instead. On PostgreSQL the last row is the last one committed when the statement starts.
 */
export async function insertAuditLogs(db: Kysely<Database>, rows: readonly NewAuditLog[]): Promise<void> {
  if (rows.length === 0) return;
  const last = await db.selectFrom("audit_log").select("ts").orderBy("id", "desc").limit(1).executeTakeFirst();
  let floor = last === undefined ? -Infinity : Number(last.ts);
  const dated = rows.map((r) => {
    floor = Math.max(floor, r.ts);
    return floor === r.ts ? r : { ...r, ts: floor };
  });
  for (let i = 0; i < dated.length; i += INSERT_CHUNK) {
    await db.insertInto("audit_log").values(dated.slice(i, i + INSERT_CHUNK)).execute();
  }
}
