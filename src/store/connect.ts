import fs from "node:fs";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import type { DatabaseConfig } from "../config/types.js";
import { errorLine } from "../common/errors.js";
import { DialectKind } from "./dialect.js";
import { StoreError, StoreErrorCode } from "./errors.js";
import type { Database } from "./schema.js";

export interface Store {
  readonly db: Kysely<Database>;
  readonly kind: DialectKind;
  /** The URL with any password masked, for messages. */
  readonly displayUrl: string;
  /**
   * SQLite only: the database file, and a counter that changes whenever *another* connection
   * commits — how the scheduler notices a trigger from the CLI without polling tables.
   */
  readonly sqlite?: { readonly file: string; dataVersion(): number };
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Create the SQLite file when it does not exist (db init). Otherwise a missing file is an error, and nothing is created. */
  create?: boolean;
}

/** `sqlite:///abs/path.db` → `/abs/path.db`; `sqlite://:memory:` → `:memory:`. */
export function sqlitePath(url: string): string {
  const rest = url.slice("sqlite://".length);
  return rest === ":memory:" || rest === "/:memory:" ? ":memory:" : rest;
}

export function maskUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, "//$1:***@");
}

// PostgreSQL returns bigint (our epoch-ms timestamps) as strings; they fit a double exactly.
pg.types.setTypeParser(20, (value) => Number(value));

export async function openStore(config: DatabaseConfig, options: OpenStoreOptions = {}): Promise<Store> {
  const url = config.url;
  if (url.startsWith("sqlite://")) return openSqlite(url, options);
  if (url.startsWith("postgresql://") || url.startsWith("postgres://")) return openPostgres(config);
  throw new StoreError(
    StoreErrorCode.BAD_URL,
    `[database] url = "${maskUrl(url)}" is not a supported database URL; valid forms: sqlite:///path/to/file.db, sqlite://:memory:, postgresql://user@host:5432/dbname`,
  );
}

function openSqlite(url: string, options: OpenStoreOptions): Store {
  const file = sqlitePath(url);
  if (file !== ":memory:" && !options.create && !fs.existsSync(file)) {
    throw new StoreError(
      StoreErrorCode.NOT_INITIALIZED,
      `the database file ${file} does not exist; create it with \`switchyard db init\``,
    );
  }
  if (file !== ":memory:") fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  // WAL lets CLI readers and task runners read while the scheduler writes; busy_timeout makes
  // concurrent writers from other processes wait instead of failing at once.
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 10000");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    db,
    kind: DialectKind.SQLITE,
    displayUrl: url,
    sqlite: { file, dataVersion: () => Number(sqlite.pragma("data_version", { simple: true })) },
    close: () => db.destroy(),
  };
}

async function openPostgres(config: DatabaseConfig): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.poolSize,
    connectionTimeoutMillis: 10_000,
    ...(config.statementTimeout > 0 ? { statement_timeout: config.statementTimeout } : {}),
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new StoreError(
      StoreErrorCode.UNREACHABLE,
      `cannot connect to PostgreSQL at ${maskUrl(config.url)}: ${errorLine(err)}; check [database] url and that the server is running`,
      { cause: err },
    );
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, kind: DialectKind.POSTGRES, displayUrl: maskUrl(config.url), close: () => db.destroy() };
}
