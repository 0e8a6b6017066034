import { CompiledQuery, Kysely, PostgresDialect } from "./kysely.js";
import pg from "pg";
import type { DatabaseConfig } from "../config/types.js";
import { coerceError } from "../common/errors.js";
import { preparingPool } from "./postgres-client.js";
import { postgresCommitWatcher } from "./postgres-commit-watch.js";
import { DialectKind } from "./dialect.js";
import { StoreError, StoreErrorCode } from "./errors.js";
import type { Database } from "./schema.js";
import { maskUrl, type OpenStoreOptions, type Store } from "./connect.js";

// PostgreSQL returns bigint (our epoch-ms timestamps, COUNT(*), SUM(integer)) as strings; they fit a double exactly.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));


/** `host:port/dbname` of a URL, for messages. */
function where(url: string): { server: string; database: string } {
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get("host") || "localhost";
    return { server: `${host}:${u.port || "5432"}`, database: decodeURIComponent(u.pathname.replace(/^\//, "")) };
  } catch {
    return { server: maskUrl(url), database: "" };
  }
}

/** The most telling line of a pg or socket error (Node reports a refused dual-stack connect as an AggregateError with no message). */
function pgErrorLine(thrown: unknown): string {
  const err = coerceError(thrown);
  if (err instanceof AggregateError && err.errors.length > 0) return pgErrorLine(err.errors[0]);
  const line = err.message.split("\n", 1)[0] ?? "";
  if (line) return line;
  const code = (err as NodeJS.ErrnoException).code;
  return code ?? err.name;
}

function pgCode(thrown: unknown): string | undefined {
  if (thrown instanceof AggregateError && thrown.errors.length > 0) return pgCode(thrown.errors[0]);
  const code = (thrown as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Turns a failed first connection into an error that says which of url, server, database or login is wrong. */
function connectError(url: string, thrown: unknown): StoreError {
  const { server, database } = where(url);
  const code = pgCode(thrown);
  const line = pgErrorLine(thrown);
  if (code === "3D000") {
    return new StoreError(
      StoreErrorCode.DATABASE_MISSING,
      `the PostgreSQL server at ${server} has no database "${database}"; create it (createdb -h ${server.replace(/:(\d+)$/, " -p $1")} ${database}) or fix [database] url`,
      { cause: thrown },
    );
  }
  if (code === "28P01" || code === "28000") {
    return new StoreError(
      StoreErrorCode.LOGIN_REFUSED,
      `the PostgreSQL server at ${server} refused the login (${line}); check the user and password in [database] url`,
      { cause: thrown },
    );
  }
  return new StoreError(
    StoreErrorCode.UNREACHABLE,
    `cannot connect to PostgreSQL at ${server} (${line}); check [database] url and that the server is running`,
    { cause: thrown },
  );
}

/** The schema must exist; `create` (db init) makes it when it does not, anything else refuses. */
async function ensureSchema(client: pg.PoolClient, schema: string, displayUrl: string, create: boolean): Promise<void> {
  const found = await client.query("select 1 from pg_namespace where nspname = $1", [schema]);
  if (found.rowCount !== 0) return;
  if (!create) {
    throw new StoreError(
      StoreErrorCode.NOT_INITIALIZED,
      `the PostgreSQL schema "${schema}" in ${displayUrl} does not exist; create it with \`switchyard db init\` (or set [database] schema)`,
    );
  }
  try {
    await client.query(`create schema if not exists "${schema}"`);
  } catch (err) {
    throw new StoreError(
      StoreErrorCode.INVALID,
      `cannot create the PostgreSQL schema "${schema}" in ${displayUrl} (${pgErrorLine(err)}); create it as a user allowed to (CREATE SCHEMA ${schema} AUTHORIZATION <user>) or set [database] schema to an existing one`,
      { cause: err },
    );
  }
}

export async function openPostgres(config: DatabaseConfig, options: OpenStoreOptions): Promise<Store> {
  const displayUrl = config.url.toString();
  const url = config.url.reveal();
  const schema = config.schema;
  const pool = new pg.Pool({
    connectionString: url,
    max: config.poolSize,
    connectionTimeoutMillis: 10_000,
    application_name: "switchyard",
  });
  // An idle connection that dies (server restart) must not crash the process: the next query reports it.
  pool.on("error", () => undefined);
  // The server process ids of our own connections: commit notifications they caused are not news.
  const ownBackends = new Set<number>();
  pool.on("connect", (c) => {
    // A connection that dies while checked out (mid-transaction, during an outage) emits 'error'
    // on its client, which the pool's handler does not cover; unheard, it would crash the
    // process. The query in flight fails on its own and the scheduler retries with backoff.
    c.on("error", () => undefined);
    const pid = (c as unknown as { processID: number | null }).processID;
    if (pid !== null) ownBackends.add(pid);
  });
  pool.on("remove", (c) => ownBackends.delete((c as unknown as { processID: number }).processID));
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw connectError(url, err);
  }
  try {
    await ensureSchema(client, schema, displayUrl, options.create === true);
    client.release();
  } catch (err) {
    client.release();
    await pool.end().catch(() => undefined);
    throw err instanceof StoreError ? err : connectError(url, err);
  }

  const db = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool: preparingPool(pool, { namedStatements: config.preparedStatements }),
      // Every pooled connection sees only this deployment's schema, and no statement runs forever.
      onCreateConnection: async (connection) => {
        await connection.executeQuery(CompiledQuery.raw(`set search_path to "${schema}"`));
        await connection.executeQuery(CompiledQuery.raw(`set statement_timeout = ${config.statementTimeout}`));
        if (options.idleInTransactionTimeoutMs !== undefined) {
          const ms = Math.max(1, Math.round(options.idleInTransactionTimeoutMs));
          await connection.executeQuery(CompiledQuery.raw(`set idle_in_transaction_session_timeout = ${ms}`));
        }
      },
    }),
  });
  const listeners = new Set<() => Promise<void>>();
  const track = (stop: () => Promise<void>) => {
    listeners.add(stop);
    return () => void listeners.delete(stop);
  };
  return {
    db,
    kind: DialectKind.POSTGRES,
    displayUrl: `${displayUrl} (schema ${schema})`,
    schema,
    watchCommits: postgresCommitWatcher(url, schema, ownBackends, track),
    close: async () => {
      await Promise.all([...listeners].map((stop) => stop()));
      await db.destroy();
    },
  };
}
