import type { DialectAdapter, Kysely, QueryResult } from "kysely";
import { CompiledQuery, PostgresAdapter, sql } from "./kysely.js";
import { DialectKind } from "./dialect.js";

/**
 * SQL text for the scheduler's hot multi-row statements, written once per shape instead of built
 * through Kysely's query builder per call. Building a 200-row VALUES list node by node, then
 * compiling it, cost more of the scheduler's CPU on a fan-out than the database spent running it;
 * the text of a shape (same columns, same row count) never changes, so it is cached and only the
 * parameters are new. Texts are written with `?` placeholders and numbered (`$1`, …) once, on
 * dialects that want that (PostgreSQL). No text given here may hold a literal `?`.
 */

/** Whether a dialect numbers its placeholders, learnt once per adapter by compiling one parameter. */
const numbered = new WeakMap<DialectAdapter, boolean>();

function numbersPlaceholders<DB>(db: Kysely<DB>): boolean {
  const adapter = db.getExecutor().adapter;
  let answer = numbered.get(adapter);
  if (answer === undefined) {
    answer = sql`${0}`.compile(db).sql !== "?";
    numbered.set(adapter, answer);
  }
  return answer;
}

/**
 * The dialect a Kysely instance (or a transaction of it) speaks, for query functions whose best
 * statement differs per dialect (PostgreSQL can write through a common table expression, SQLite
 * cannot) and that are given only the Kysely instance.
 */
export function dialectOf<DB>(db: Kysely<DB>): DialectKind {
  return db.getExecutor().adapter instanceof PostgresAdapter ? DialectKind.POSTGRES : DialectKind.SQLITE;
}

/** Cached statement texts by dialect style and the caller's shape key. */
const texts = new Map<string, string>();
/** Bounded: shapes are a few column sets times the row counts up to a chunk's size. */
const MAX_TEXTS = 2_000;

/**
 * The text of the statement of shape `key` (a string naming everything `write` depends on),
 * written by `write` with `?` placeholders the first time it is asked for.
 */
export function statementText<DB>(db: Kysely<DB>, key: string, write: () => string): string {
  const numberedStyle = numbersPlaceholders(db);
  const cacheKey = (numberedStyle ? "$" : "?") + key;
  let text = texts.get(cacheKey);
  if (text === undefined) {
    text = write();
    if (numberedStyle) {
      let n = 0;
      text = text.replace(/\?/g, () => `$${++n}`);
    }
    if (texts.size >= MAX_TEXTS) texts.clear();
    texts.set(cacheKey, text);
  }
  return text;
}

/** Runs a statement text with its parameters, in `db` (a transaction or not). */
export function runStatement<R, DB>(db: Kysely<DB>, text: string, parameters: unknown[]): Promise<QueryResult<R>> {
  return db.executeQuery<R>(CompiledQuery.raw(text, parameters));
}

/** A VALUES list of `n` rows, each of `cells` (placeholders, perhaps cast: `cast(? as integer)`). */
export function valuesRows(n: number, cells: readonly string[]): string {
  const row = `(${cells.join(", ")})`;
  return Array.from({ length: n }, () => row).join(", ");
}

/** A quoted identifier; only ever given the schema's own column names. */
export function ident(name: string): string {
  return `"${name}"`;
}
