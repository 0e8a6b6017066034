import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from "kysely";
import type pg from "pg";

/**
 * Distinct statement texts given a name, per process. Beyond it a text runs unnamed (parsed and
 * planned each time, as before): the hot statements of a pass are a few dozen shapes, and a
 * connection keeps every statement it prepared until it closes.
 */
const MAX_NAMED_STATEMENTS = 1_000;

/**
 * The pool Kysely is given on PostgreSQL, which cuts round trips and server work on the
 * scheduler's hot path without changing what any statement does:
 *
 * - **Named statements** (`[database] prepared_statements`, on by default). A statement with
 *   parameters runs as a named prepared statement (pg's `name`), so each connection parses and
 *   plans its text once and later runs it with Bind and Execute only. Names are per text, so one
 *   name never means two statements.
 * - **BEGIN sent with the next statement.** Kysely sends `begin` alone, a round trip of its own.
 *   Here it is held back and sent in the same message as the transaction's first statement when
 *   that statement has no parameters (the simple protocol carries several statements at once; the
 *   scheduling lock is such a statement), and alone just before it otherwise. A transaction that
 *   runs nothing sends neither its begin nor its commit.
 */
export function preparingPool(pool: pg.Pool, options: { namedStatements: boolean }): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    // A pooler in transaction mode (PgBouncer before 1.21) hands each transaction another server connection, which lacks the statement.
    if (!options.namedStatements) return undefined;
    let name = names.get(text);
    if (name === undefined && names.size < MAX_NAMED_STATEMENTS) {
      name = `sy_${names.size + 1}`;
      names.set(text, name);
    }
    return name;
  };
  // One wrapper per connection, kept: Kysely knows a connection by the object it is given (it
  // sets search_path once per object), and a held begin belongs to the connection.
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    connect: async () => {
      const client = await pool.connect();
      let w = wrapped.get(client);
      if (w === undefined) {
        w = wrapClient(client, nameOf);
        wrapped.set(client, w);
      }
      return w;
    },
    end: () => pool.end(),
  };
}

const BEGIN = /^\s*begin\s*;?\s*$/i;
const END = /^\s*(commit|rollback)\s*;?\s*$/i;

function wrapClient(client: pg.PoolClient, nameOf: (text: string) => string | undefined): PostgresPoolClient {
  let beginHeld = false;
  const run = async <R>(text: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> => {
    if (parameters.length === 0) return (await client.query(text)) as unknown as PostgresQueryResult<R>;
    const name = nameOf(text);
    const config: pg.QueryConfig = name === undefined ? { text, values: [...parameters] } : { name, text, values: [...parameters] };
    return (await client.query(config)) as unknown as PostgresQueryResult<R>;
  };
  const query = async <R>(text: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> => {
    if (BEGIN.test(text) && parameters.length === 0) {
      beginHeld = true;
      return { command: "BEGIN" as PostgresQueryResult<R>["command"], rowCount: 0, rows: [] };
    }
    if (!beginHeld) return run(text, parameters);
    beginHeld = false;
    if (END.test(text) && parameters.length === 0) {
      // Nothing ran: there is no transaction to end. Kysely reads the command tag of a commit.
      return { command: text.trim().toUpperCase().replace(/;$/, "") as PostgresQueryResult<R>["command"], rowCount: 0, rows: [] };
    }
    if (parameters.length > 0) {
      await client.query("begin");
      return run(text, parameters);
    }
    // Both statements in one simple-protocol message; the result is the second statement's.
    const results = (await client.query(`begin; ${text}`)) as unknown as pg.QueryResult[];
    return results[results.length - 1] as unknown as PostgresQueryResult<R>;
  };
  // Kysely streams through a cursor object (query(cursor)), which pg returns at once: a held begin goes ahead of it on the client's queue.
  const dispatch = (first: unknown, parameters?: ReadonlyArray<unknown>) => {
    if (typeof first === "string") return query(first, parameters ?? []);
    if (beginHeld) {
      beginHeld = false;
      client.query("begin").catch(() => undefined); // a failure shows in the cursor's own query
    }
    return client.query(first as pg.Submittable);
  };
  return {
    query: dispatch as PostgresPoolClient["query"],
    release: (destroy?: boolean) => {
      beginHeld = false;
      client.release(destroy);
    },
  };
}
