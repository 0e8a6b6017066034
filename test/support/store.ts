import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { DatabaseConfig } from "../../src/config/types.js";
import { openStore, type Store } from "../../src/store/connect.js";
import { Secret } from "../../src/config/secret.js";
import { migrateStore } from "../../src/store/migrate.js";
import { PG_START_HINT, PG_TEST_URL, TEST_DB } from "./home.js";

let count = 0;

/** A fresh schema name for one test, unique across the test processes running at once. */
export function uniqueSchema(prefix = "sy_test"): string {
  return `${prefix}_${process.pid}_${++count}_${Math.random().toString(36).slice(2, 8)}`;
}

/** Runs statements on PG_TEST_URL with a client of its own. */
export async function pgAdmin<T extends pg.QueryResultRow = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: PG_TEST_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL does not answer at ${PG_TEST_URL} (${(err as Error).message || String(err)}); ${PG_START_HINT}`);
  }
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export interface TestStore {
  store: Store;
  config: DatabaseConfig;
  cleanup(): Promise<void>;
}

/**
 * A migrated store of its own for one test: a new SQLite file, or a new schema in the PostgreSQL
 * `test` database (dropped by cleanup). `db` defaults to SWITCHYARD_TEST_DB.
 */
export async function openTestStore(opts: { db?: "sqlite" | "postgres"; migrate?: boolean } = {}): Promise<TestStore> {
  const db = opts.db ?? TEST_DB;
  let config: DatabaseConfig;
  let dropDatabase: () => Promise<void>;
  if (db === "postgres") {
    const schema = uniqueSchema();
    config = { url: Secret.url(PG_TEST_URL), poolSize: 3, statementTimeout: 30_000, preparedStatements: true, schema };
    await pgAdmin("select 1");
    dropDatabase = async () => void (await pgAdmin(`drop schema if exists ${schema} cascade`));
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-store-"));
    config = { url: Secret.url(`sqlite:///${path.join(dir, "switchyard.db")}`), poolSize: 1, statementTimeout: 30_000, preparedStatements: true, schema: "public" };
    dropDatabase = async () => fs.rmSync(dir, { recursive: true, force: true });
  }
  const store = await openStore(config, { create: true });
  if (opts.migrate !== false) await migrateStore(store);
  return {
    store,
    config,
    cleanup: async () => {
      await store.close();
      await dropDatabase();
    },
  };
}
