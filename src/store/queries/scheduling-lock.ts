import type { Transaction } from "kysely";
import { sql } from "../kysely.js";
import type { DialectKind } from "../dialect.js";
import type { Database } from "../schema.js";
import { runStatement, statementText } from "../sql-text.js";

/** Any fixed number: the key of the advisory lock all Switchyard schedulers share. */
const SCHEDULING_LOCK_KEY = 727_001;

/**
 * Serialises the decisions that read counts and then act on them (starting runs under
 * maxActiveRuns, the critical section under pools and parallelism) across schedulers, for the
 * rest of the transaction. PostgreSQL: a transaction-scoped advisory lock. SQLite: taking the
 * write lock up front (a write to this scheduler's own job row), so a second scheduler waits
 * instead of deciding on the same counts.
 */
export async function acquireSchedulingLock(trx: Transaction<Database>, kind: DialectKind, jobId: number): Promise<void> {
  if (kind === "postgres") {
    // Scoped to the schema: deployments sharing a database (and parallel test runs) do not wait on each other.
    // No parameters: the store sends it in one message with the transaction's begin (postgres-client.ts).
    await sql`select pg_advisory_xact_lock(${sql.lit(SCHEDULING_LOCK_KEY)}, hashtext(current_schema()))`.execute(trx);
    return;
  }
  // Written once, not built per call: every critical section takes it.
  await runStatement<never, Database>(trx, statementText<Database>(trx, "scheduling-lock-sqlite", () => "update job set latest_heartbeat = latest_heartbeat where id = ?"), [jobId]);
}
