import type { Kysely, MigrationResult } from "kysely";
import { Migrator, sql } from "./kysely.js";
import { DialectKind } from "./dialect.js";
import { StoreError, StoreErrorCode } from "./errors.js";
import { KNOWN_MIGRATIONS, MIGRATION_LOCK_TABLE, MIGRATION_TABLE, migrationsFor } from "./migrations/index.js";
import type { Store } from "./connect.js";

export interface SchemaStatus {
  readonly applied: readonly string[];
  readonly pending: readonly string[];
  /** Applied here but unknown to this code: the schema is newer than the code. */
  readonly unknown: readonly string[];
}

function migrator(store: Store): Migrator {
  return new Migrator({
    db: store.db as unknown as Kysely<unknown>,
    provider: { getMigrations: async () => migrationsFor(store.kind) },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    // Without it Kysely looks for the migration table in every schema, and would take another
    // deployment's (sharing the database, in its own schema) for ours.
    ...(store.schema !== undefined ? { migrationTableSchema: store.schema } : {}),
  });
}

/** Whether our own table exists: in the configured schema on PostgreSQL (never another deployment's), in the file on SQLite. */
export async function tableExists(store: Store, table: string): Promise<boolean> {
  const rows =
    store.kind === DialectKind.POSTGRES
      ? await sql<{ one: number }>`select 1 as one from pg_tables where schemaname = ${store.schema} and tablename = ${table}`.execute(store.db)
      : await sql<{ one: number }>`select 1 as one from sqlite_master where type = 'table' and name = ${table}`.execute(store.db);
  return rows.rows.length > 0;
}

async function appliedMigrations(store: Store): Promise<string[] | null> {
  if (!(await tableExists(store, MIGRATION_TABLE))) return null;
  const rows = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)} order by name`.execute(
    store.db,
  );
  return rows.rows.map((r) => r.name);
}

export async function schemaStatus(store: Store): Promise<SchemaStatus | null> {
  const applied = await appliedMigrations(store);
  if (applied === null) return null;
  return {
    applied,
    pending: KNOWN_MIGRATIONS.filter((m) => !applied.includes(m)),
    unknown: applied.filter((m) => !KNOWN_MIGRATIONS.includes(m)),
  };
}

/** Every command but `db init|migrate|reset` calls this first, so none of them writes to a schema it does not understand. */
export async function assertSchemaCurrent(store: Store): Promise<void> {
  const status = await schemaStatus(store);
  if (status === null) {
    throw new StoreError(
      StoreErrorCode.NOT_INITIALIZED,
      `the database at ${store.displayUrl} has no Switchyard tables; create them with \`switchyard db init\``,
    );
  }
  if (status.unknown.length > 0) {
    throw new StoreError(
      StoreErrorCode.SCHEMA_TOO_NEW,
      `the database schema at ${store.displayUrl} is newer than this Switchyard (it has migrations ${status.unknown.join(", ")} which this version does not know); upgrade Switchyard`,
    );
  }
  if (status.pending.length > 0) {
    throw new StoreError(
      StoreErrorCode.NEEDS_MIGRATION,
      `the database schema at ${store.displayUrl} is behind this Switchyard (missing ${status.pending.join(", ")}); run \`switchyard db migrate\``,
    );
  }
}

/** Applies pending migrations; refuses a schema newer than this code. Returns the names applied. */
export async function migrateStore(store: Store): Promise<string[]> {
  const status = await schemaStatus(store);
  if (status && status.unknown.length > 0) {
    throw new StoreError(
      StoreErrorCode.SCHEMA_TOO_NEW,
      `the database schema at ${store.displayUrl} is newer than this Switchyard (unknown migrations ${status.unknown.join(", ")}); upgrade Switchyard instead of migrating`,
    );
  }
  const { error, results } = await migrator(store).migrateToLatest();
  if (error) throw new StoreError(StoreErrorCode.INVALID, `migration failed: ${String((error as Error).message ?? error)}`, { cause: error });
  return (results ?? []).filter((r: MigrationResult) => r.status === "Success").map((r: MigrationResult) => r.migrationName);
}

const OWN_TABLES = [
  "task_log",
  "audit_log",
  "import_error",
  "job",
  "pool",
  "task_instance",
  "dag_run",
  "dag",
  MIGRATION_TABLE,
  MIGRATION_LOCK_TABLE,
] as const;

/** Drops every Switchyard table (and only those: the database may hold other things), then migrates from scratch. */
export async function resetStore(store: Store): Promise<void> {
  for (const table of OWN_TABLES) {
    await store.db.schema.dropTable(table).ifExists().execute();
  }
  if (store.kind === DialectKind.POSTGRES) await sql`drop function if exists switchyard_notify_commit()`.execute(store.db);
  await migrateStore(store);
}
