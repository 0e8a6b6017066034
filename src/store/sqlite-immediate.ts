import type { DatabaseConnection, Driver, SqliteDialectConfig } from "kysely";
import { CompiledQuery, SqliteDialect, SqliteDriver } from "./kysely.js";

/**
 * SQLite transactions that take the write lock when they begin (`BEGIN IMMEDIATE`).
 *
 * Every transaction here writes. Begun deferred (Kysely's `BEGIN`), one that reads first takes a
 * snapshot, and if another process commits before its first write, SQLite cannot upgrade it and
 * fails at once with "database is locked": busy_timeout does not apply to a stale snapshot. So a
 * `dags trigger` failed whenever the scheduler committed between its read and its write. Taking
 * the lock up front makes such writers wait their turn (up to busy_timeout) instead.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}
