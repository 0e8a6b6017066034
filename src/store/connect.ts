import fs from "node:fs";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import type { SqliteDatabase } from "kysely";
import { Kysely } from "./kysely.js";
import type { DatabaseConfig } from "../config/types.js";
import { sqliteCommitWatcher, type CommitWatcher } from "./commit-watch.js";
import { mkdirPrivate, PRIVATE_FILE_MODE } from "../common/private-files.js";
import { DialectKind } from "./dialect.js";
import { StoreError, StoreErrorCode } from "./errors.js";
import { ImmediateSqliteDialect } from "./sqlite-immediate.js";
import type { Database } from "./schema.js";


export interface Store {
  readonly db: Kysely<Database>;
  readonly kind: DialectKind;
  /** The URL with any password masked, for messages. */
  readonly displayUrl: string;
  /** PostgreSQL only: the schema holding the tables (every connection's search_path). */
  readonly schema?: string;
  /**
   * SQLite only: the database file, and a counter that changes whenever *another* connection
   * commits — how the scheduler notices a trigger from the CLI without polling tables.
   */
  readonly sqlite?: {
    readonly file: string;
    dataVersion(): number;
    /** Throws StoreError FILE_REPLACED when the path no longer names the file opened (deleted, or another file moved there). */
    assertSameFile(): void;
  };
  /**
   * Calls `onCommit` after another process commits a change to the DAGs, runs, task instances or
   * pools (SQLite: the WAL file; PostgreSQL: LISTEN/NOTIFY). Returns a function that stops watching.
   * Best effort: the caller still wakes on a timer.
   */
  readonly watchCommits: CommitWatcher;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /**
   * Create the SQLite file, or the PostgreSQL schema, when it does not exist (db init). Otherwise
   * a missing one is an error, and nothing is created.
   */
  create?: boolean;
  /**
   * PostgreSQL: end any session of this process that sits inside a transaction without a
   * statement for this long (idle_in_transaction_session_timeout). A scheduler sets its lease: if
   * it freezes mid-transaction, the server releases its locks (the scheduling lock among them), so
   * its peers are not stalled behind a process that will never commit.
   */
  idleInTransactionTimeoutMs?: number;
}

export { maskUrl } from "../config/secret.js";

/** `sqlite:///abs/path.db` → `/abs/path.db`; `sqlite://:memory:` → `:memory:`. */
export function sqlitePath(url: string): string {
  const rest = url.slice("sqlite://".length);
  if (rest === ":memory:" || rest === "/:memory:") return ":memory:";
  // Three slashes then the path: sqlite:////abs/file.db names /abs/file.db (the config makes every path absolute).
  return rest.startsWith("/") ? rest.slice(1) : rest;
}

export async function openStore(config: DatabaseConfig, options: OpenStoreOptions = {}): Promise<Store> {
  const url = config.url.reveal();
  if (url.startsWith("sqlite://")) return openSqlite(url, options);
  if (url.startsWith("postgresql://") || url.startsWith("postgres://")) {
    // Loaded on demand: the pg driver costs every SQLite command ~0.1 s of start-up otherwise.
    const { openPostgres } = await import("./postgres.js");
    return openPostgres(config, options);
  }
  throw new StoreError(
    StoreErrorCode.BAD_URL,
    `[database] url = "${config.url}" is not a supported database URL; valid forms: sqlite:///path/to/file.db, sqlite://:memory:, postgresql://user@host:5432/dbname`,
  );
}

/** Enough for every distinct hot statement of a scheduler pass (IN lists of several lengths included). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every statement anew; the scheduler runs the same few
 * statements thousands of times, and preparing them was ~10% of its CPU on a fan-out. Prepared
 * statements are kept per SQL text, least recently used dropped first. Safe because Kysely runs
 * one statement at a time on the single connection and never streams (iterate) here.
 */
function cachingStatements(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (text: string) => {
      let stmt = cache.get(text);
      if (stmt) {
        cache.delete(text); // re-inserted below: the Map's order is the recency order
      } else {
        stmt = sqlite.prepare(text);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(text, stmt);
      return stmt;
    },
  };
}

/** A check that `file` is still the file (device and inode) it is now. */
function sameFileCheck(file: string): () => void {
  if (file === ":memory:") return () => undefined;
  const opened = fs.statSync(file);
  return () => {
    const now = fs.statSync(file, { throwIfNoEntry: false });
    if (now !== undefined && now.ino === opened.ino && now.dev === opened.dev) return;
    throw new StoreError(
      StoreErrorCode.FILE_REPLACED,
      `the SQLite database file ${file} was deleted or replaced while this process had it open; stopping rather than writing into the old file (restore the file, or run \`switchyard db init\` for a new one, then start again)`,
    );
  };
}

function openSqlite(url: string, options: OpenStoreOptions): Store {
  const file = sqlitePath(url);
  if (file !== ":memory:" && !options.create && !fs.existsSync(file)) {
    throw new StoreError(
      StoreErrorCode.NOT_INITIALIZED,
      `the database file ${file} does not exist; create it with \`switchyard db init\``,
    );
  }
  if (file !== ":memory:") {
    mkdirPrivate(path.dirname(file));
    // Created empty and private before SQLite opens it: SQLite gives its -wal and -shm files the database file's mode.
    fs.closeSync(fs.openSync(file, "a", PRIVATE_FILE_MODE));
  }
  const sqlite = new BetterSqlite3(file);
  // WAL lets CLI readers and task runners read while the scheduler writes; busy_timeout makes
  // concurrent writers from other processes wait instead of failing at once.
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 10000");
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: cachingStatements(sqlite) }) });
  const dataVersion = () => Number(sqlite.pragma("data_version", { simple: true }));
  return {
    db,
    kind: DialectKind.SQLITE,
    displayUrl: url,
    sqlite: { file, dataVersion, assertSameFile: sameFileCheck(file) },
    watchCommits: sqliteCommitWatcher(file, dataVersion),
    close: () => db.destroy(),
  };
}
