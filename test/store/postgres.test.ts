import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { sql } from "kysely";
import { openStore } from "../../src/store/connect.js";
import { Secret } from "../../src/config/secret.js";
import { StoreError } from "../../src/store/errors.js";
import { assertSchemaCurrent, migrateStore, resetStore, schemaStatus } from "../../src/store/migrate.js";
import { listPools, setPool } from "../../src/store/queries/pools.js";
import { PG_TEST_URL, TEST_DB } from "../support/home.js";
import { openTestStore, pgAdmin, uniqueSchema, type TestStore } from "../support/store.js";

/** What only PostgreSQL has: schemas shared in one database, per-connection settings, a pool of connections. */
describe("PostgreSQL store", TEST_DB === "postgres" ? {} : { skip: "runs in the SWITCHYARD_TEST_DB=postgres pass" }, () => {
  const open: TestStore[] = [];
  const fresh = async (opts: { migrate?: boolean } = {}) => {
    const t = await openTestStore({ db: "postgres", ...opts });
    open.push(t);
    return t;
  };
  after(async () => {
    for (const t of open) await t.cleanup();
  });

  it("keeps deployments in their own schemas of one database", async () => {
    const a = await fresh();
    const b = await fresh({ migrate: false });
    // b's schema exists (create: true) but is empty: another schema's tables must not count as b's.
    assert.equal(await schemaStatus(b.store), null);
    await assert.rejects(assertSchemaCurrent(b.store), /has no Switchyard tables; create them with `switchyard db init`/);
    assert.deepEqual(await migrateStore(b.store), ["0001_initial", "0002_candidate_index", "0003_dag_start_date", "0004_task_instance_worker"]);
    await setPool(a.store.db, { name: "only_in_a", slots: 3 });
    assert.deepEqual((await listPools(b.store.db)).map((p) => p.name), ["default_pool"]);
    assert.deepEqual((await listPools(a.store.db)).map((p) => p.name), ["default_pool", "only_in_a"]);
    const tables = await pgAdmin<{ schemaname: string; n: string }>(
      "select schemaname, count(*) as n from pg_tables where schemaname = any($1) group by schemaname order by 1",
      [[a.config.schema, b.config.schema]],
    );
    assert.deepEqual(tables.map((r) => Number(r.n)), [10, 10]);
  });

  it("sets search_path and statement_timeout on every pooled connection, and opens at most pool_size", async () => {
    const schema = uniqueSchema();
    const store = await openStore({ url: Secret.url(PG_TEST_URL), poolSize: 2, statementTimeout: 300, preparedStatements: true, schema }, { create: true });
    try {
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          sql<{ pid: number; path: string; timeout: string }>`select pg_backend_pid() as pid, current_setting('search_path') as path, current_setting('statement_timeout') as timeout, pg_sleep(0.05)`.execute(store.db),
        ),
      );
      const rows = results.map((r) => r.rows[0]!);
      assert.ok(new Set(rows.map((r) => r.pid)).size <= 2, "pool_size caps the connections");
      for (const r of rows) assert.deepEqual([r.path, r.timeout], [schema, "300ms"]);
      await assert.rejects(sql`select pg_sleep(2)`.execute(store.db), /canceling statement due to statement timeout/);
      // Connections the server drops while idle (a restart, an administrator) are replaced, and do not crash the process.
      await pgAdmin("select pg_terminate_backend(pid) from unnest($1::int[]) as pid", [[...new Set(rows.map((r) => r.pid))]]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const again = await sql<{ one: number }>`select 1 as one`.execute(store.db);
      assert.equal(again.rows[0]!.one, 1);
    } finally {
      await store.close();
      await pgAdmin(`drop schema if exists ${schema} cascade`);
    }
  });

  it("ends a session left idle inside a transaction, so a frozen holder's locks are released to the others", async () => {
    const schema = uniqueSchema();
    const config = { url: Secret.url(PG_TEST_URL), poolSize: 1, statementTimeout: 10_000, preparedStatements: true, schema };
    const frozen = await openStore(config, { create: true, idleInTransactionTimeoutMs: 300 });
    const peer = await openStore(config);
    try {
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      let thaw!: () => void;
      const thawed = new Promise<void>((resolve) => (thaw = resolve));
      const holder = frozen.db
        .transaction()
        .execute(async (trx) => {
          await sql`select pg_advisory_xact_lock(4242)`.execute(trx);
          locked();
          await thawed; // a scheduler frozen mid-transaction, holding the lock
          await sql`select 1`.execute(trx);
        })
        .then(
          () => "committed",
          (err: unknown) => String(err),
        );
      await isLocked;
      // Without the timeout this waits for a commit that never comes, until its statement_timeout fails it.
      await peer.db.transaction().execute(async (trx) => void (await sql`select pg_advisory_xact_lock(4242)`.execute(trx)));
      thaw();
      assert.match(await holder, /idle-in-transaction timeout|Connection terminated|connection error/, "the frozen holder's session was ended");
    } finally {
      await frozen.close();
      await peer.close();
      await pgAdmin(`drop schema if exists ${schema} cascade`);
    }
  });

  it("runs statements with parameters as prepared statements unless prepared_statements is off, and keeps a transaction whole when its begin travels with its first statement", async () => {
    const schema = uniqueSchema();
    const base = { url: Secret.url(PG_TEST_URL), poolSize: 1, statementTimeout: 10_000, schema };
    const prepared = await openStore({ ...base, preparedStatements: true }, { create: true });
    const unprepared = await openStore({ ...base, preparedStatements: false });
    // One connection each (pool_size 1): pg_prepared_statements is what that session prepared.
    const count = async (db: typeof prepared.db) => {
      await sql`select ${1}::int as one`.execute(db);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements where statement like 'select $1::int as one%'`.execute(db);
      return rows[0]!.n;
    };
    try {
      assert.equal(await count(prepared.db), 1);
      assert.equal(await count(unprepared.db), 0);
      await sql`create table ${sql.id(schema, "t")} (x int)`.execute(prepared.db);
      // The first statement has no parameters, so BEGIN is sent with it: what follows is still one transaction.
      await assert.rejects(
        prepared.db.transaction().execute(async (trx) => {
          await sql`select pg_advisory_xact_lock(4243)`.execute(trx);
          await sql`insert into ${sql.id(schema, "t")} values (${1})`.execute(trx);
          throw new Error("rolled back");
        }),
        /rolled back/,
      );
      await prepared.db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(4243)`.execute(trx);
        await sql`insert into ${sql.id(schema, "t")} values (${2})`.execute(trx);
      });
      // A transaction that runs nothing, then one whose first statement has parameters.
      await prepared.db.transaction().execute(async () => undefined);
      await prepared.db.transaction().execute(async (trx) => void (await sql`insert into ${sql.id(schema, "t")} values (${3})`.execute(trx)));
      assert.deepEqual(await pgAdmin(`select x from ${schema}.t order by x`), [{ x: 2 }, { x: 3 }]);
      // No transaction is left open on the connection.
      const { rows } = await sql<{ state: string }>`select state from pg_stat_activity where pid = pg_backend_pid()`.execute(prepared.db);
      assert.equal(rows[0]!.state, "active");
      const inTx = await sql<{ n: number }>`select count(*)::int as n from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()`.execute(prepared.db);
      assert.equal(inTx.rows[0]!.n, 0);
    } finally {
      await prepared.close();
      await unprepared.close();
      await pgAdmin(`drop schema if exists ${schema} cascade`);
    }
  });

  it("creates the schema only when asked (db init), never on a plain open", async () => {
    const schema = uniqueSchema();
    const config = { url: Secret.url(PG_TEST_URL), poolSize: 1, statementTimeout: 0, preparedStatements: true, schema };
    await assert.rejects(openStore(config), (err: unknown) => err instanceof StoreError && err.code === "STORE_NOT_INITIALIZED" && /schema "sy_test_.*" in .* does not exist; create it with `switchyard db init`/.test(err.message));
    assert.deepEqual(await pgAdmin("select 1 from pg_namespace where nspname = $1", [schema]), []);
    const store = await openStore(config, { create: true });
    try {
      assert.deepEqual(await pgAdmin("select nspname from pg_namespace where nspname = $1", [schema]), [{ nspname: schema }]);
    } finally {
      await store.close();
      await pgAdmin(`drop schema if exists ${schema} cascade`);
    }
  });

  it("db reset drops only Switchyard's tables from a shared schema", async () => {
    const t = await fresh();
    await pgAdmin(`create table ${t.config.schema}.not_ours (x int); insert into ${t.config.schema}.not_ours values (1)`);
    await setPool(t.store.db, { name: "gone_after_reset", slots: 1 });
    await resetStore(t.store);
    assert.deepEqual((await listPools(t.store.db)).map((p) => p.name), ["default_pool"]);
    assert.deepEqual(await pgAdmin(`select x from ${t.config.schema}.not_ours`), [{ x: 1 }]);
    await assertSchemaCurrent(t.store);
  });
});
