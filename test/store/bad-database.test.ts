import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { Home, PG_TEST_URL, TEST_DB, pgSync } from "../support/home.js";

/**
 * Each bad-database input of the metadata database: a clear one-line error, exit 1, and nothing
 * written — no SQLite file, no PostgreSQL schema, database, table or row.
 */

const DAG = `import { dag } from "@switchyard/core";\nconst d = dag("d");\nd.bash("t", "true");\nexport default d;\n`;

const homes: Home[] = [];
function home(): Home {
  const h = new Home({ toml: `[core]\nexecutor = "LocalExecutor"\n`, dags: { "d.ts": DAG } });
  homes.push(h);
  return h;
}
after(() => homes.forEach((h) => h.cleanup()));

/** Commands that each write something to a usable database. */
const WRITERS: string[][] = [
  ["dags", "list"],
  ["dags", "trigger", "d", "--run-id", "r1"],
  ["pools", "set", "p", "3"],
  ["scheduler", "--exit-when-idle"],
];

async function refuses(h: Home, args: string[], pattern: RegExp, env: Record<string, string> = {}): Promise<void> {
  const r = await h.run(args, { env });
  assert.equal(r.code, 1, `switchyard ${args.join(" ")} should fail; stdout: ${r.stdout}; stderr: ${r.stderr}`);
  assert.match(r.stderr, /^error: /m, `switchyard ${args.join(" ")}`);
  assert.match(r.stderr, pattern, `switchyard ${args.join(" ")}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "an expected error prints no stack trace");
  assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
}

const pgPass = TEST_DB === "postgres" ? {} : { skip: "PostgreSQL connection errors run in the SWITCHYARD_TEST_DB=postgres pass" };

describe("a bad PostgreSQL URL, server or database is refused and nothing is written", pgPass, () => {
  /** PG_TEST_URL with another database name. */
  const withDatabase = (name: string) => {
    const u = new URL(PG_TEST_URL);
    u.pathname = `/${name}`;
    return u.toString();
  };

  it("rejects a malformed or unsupported URL before connecting", async () => {
    const h = home();
    const cases: Array<[string, RegExp]> = [
      ["postgresql://127.0.0.1:notaport/test", /\[database\] url = .*not a valid PostgreSQL URL.*port/],
      ["postgresql://127.0.0.1:5432", /\[database\] url = .*names no database/],
      ["postgresql:///test", /\[database\] url = .*names no host/],
      ["mysql://root@127.0.0.1/test", /\[database\] url = .*unsupported database "mysql".*postgresql:\/\/user:password@host:5432\/dbname/],
      ["127.0.0.1:5432/test", /\[database\] url = .*not a database URL/],
    ];
    // Every command loads the configuration first: db init and one writer stand for all.
    for (const [bad, pattern] of cases) {
      for (const args of [["db", "init"], ["dags", "trigger", "d"]]) {
        await refuses(h, args, pattern, { SWITCHYARD__DATABASE__URL: bad });
      }
    }
    assert.equal(h.databaseExists(), false, "no schema was created");
    assert.equal(fs.existsSync(path.join(h.dir, "switchyard.db")), false, "no SQLite file either");
  });

  it("rejects a bad [database] schema name before connecting", async () => {
    const h = home();
    for (const bad of ["Public", "pg_mine", "1abc", "x".repeat(64)]) {
      await refuses(h, ["db", "init"], /\[database\] schema = .*must be a PostgreSQL schema name/, { SWITCHYARD__DATABASE__SCHEMA: bad });
    }
  });

  it("names the server it cannot reach (wrong port, unknown host)", async () => {
    const h = home();
    const cases: Array<[string, RegExp]> = [
      ["postgresql://postgres@127.0.0.1:1/test", /cannot connect to PostgreSQL at 127\.0\.0\.1:1 \(connect ECONNREFUSED 127\.0\.0\.1:1\); check \[database\] url and that the server is running/],
      ["postgresql://postgres@no-such-host.invalid:5432/test", /cannot connect to PostgreSQL at no-such-host\.invalid:5432 \(getaddrinfo (ENOTFOUND|EAI_AGAIN) no-such-host\.invalid\)/],
    ];
    for (const [bad, pattern] of cases) {
      for (const args of [["db", "init"], ["dags", "trigger", "d"], ["scheduler", "--exit-when-idle"]]) {
        await refuses(h, args, pattern, { SWITCHYARD__DATABASE__URL: bad });
      }
    }
    assert.equal(fs.existsSync(path.join(h.dir, "switchyard.db")), false, "no SQLite fallback");
    assert.equal(h.databaseExists(), false);
  });

  it("says the database does not exist, and does not create it", async () => {
    const h = home();
    const missing = `sy_no_such_db_${process.pid}`;
    const bad = withDatabase(missing);
    assert.match(bad, /^postgres(ql)?:\/\/.+\/sy_no_such_db_/);
    for (const args of [["db", "init"], ["db", "migrate"], ["dags", "trigger", "d"], ["scheduler", "--exit-when-idle"]]) {
      await refuses(h, args, new RegExp(`the PostgreSQL server at .+ has no database "${missing}"; create it \\(createdb .*${missing}\\) or fix \\[database\\] url`), {
        SWITCHYARD__DATABASE__URL: bad,
      });
    }
    const dbs = pgSync(`select datname from pg_database where datname = '${missing}'`);
    assert.ok(dbs.ok);
    assert.deepEqual(dbs.rows, []);
  });

  it("reports a refused login without showing the password", async () => {
    const h = home();
    const bad = PG_TEST_URL.replace(/^(postgres(?:ql)?:\/\/)[^@/]*@/, "$1no_such_role_sy:s3cret@");
    const r = await h.run(["db", "init"], { env: { SWITCHYARD__DATABASE__URL: bad } });
    assert.equal(r.code, 1);
    // Trust authentication still checks that the role exists.
    assert.match(r.stderr, /^error: the PostgreSQL server at .+ refused the login \(.*no_such_role_sy.*\); check the user and password in \[database\] url$/m);
    assert.doesNotMatch(r.stderr, /s3cret/);
    assert.equal(h.databaseExists(), false);
  });
});

describe(`a database that is not initialised or not understood is refused, and nothing is written (${TEST_DB})`, () => {
  it("commands other than db init|migrate|reset refuse a database that does not exist, and create nothing", async () => {
    const h = home();
    for (const args of [...WRITERS, ["db", "check"], ["tasks", "states-for-dag-run", "d", "r1"]]) {
      await refuses(h, args, /does not exist; create it with `switchyard db init`/);
    }
    assert.equal(h.databaseExists(), false, "no SQLite file and no PostgreSQL schema was created");
  });

  it("refuses a database that exists but has no Switchyard tables, and creates none", async (t) => {
    const h = home();
    if (h.pgSchema !== null) {
      // A schema made ready by a database administrator, before db init.
      assert.ok(pgSync(`create schema ${h.pgSchema}`).ok);
    } else {
      fs.writeFileSync(path.join(h.dir, "switchyard.db"), "");
    }
    for (const args of [...WRITERS, ["db", "check"]]) {
      await refuses(h, args, /has no Switchyard (tables|schema).*`switchyard db init`/);
    }
    assert.deepEqual(h.tables(), []);
    await h.ok(["db", "init"]);
    assert.ok(h.tables().includes("task_instance"), "db init then fills it");
    t.diagnostic(`tables: ${h.tables().join(", ")}`);
  });

  it("refuses a schema newer than this code (an unknown migration applied), and writes nothing", async () => {
    const h = home();
    await h.ok(["db", "init"]);
    h.query(`insert into switchyard_migration (name, timestamp) values ('9999_from_the_future', '2030-01-01T00:00:00.000Z')`);
    const snapshot = () =>
      ["dag", "dag_run", "task_instance", "job", "pool", "audit_log", "import_error", "switchyard_migration"].map((t) => [
        t,
        Number(h.query<{ n: number | string }>(`select count(*) as n from ${t}`)[0]!.n),
      ]);
    const before = snapshot();
    for (const args of WRITERS) {
      await refuses(h, args, /schema at .+ is newer than this Switchyard \(it has migrations 9999_from_the_future which this version does not know\); upgrade Switchyard/);
    }
    await refuses(h, ["db", "migrate"], /newer than this Switchyard \(unknown migrations 9999_from_the_future\); upgrade Switchyard instead of migrating/);
    await refuses(h, ["db", "init"], /newer than this Switchyard/);
    await refuses(h, ["db", "check"], /newer than this Switchyard \(9999_from_the_future\)/);
    assert.deepEqual(snapshot(), before, "no row was written");
    assert.deepEqual(before.find(([t]) => t === "dag"), ["dag", 0]);
  });

  it("refuses a schema behind this code until db migrate", async () => {
    const h = home();
    await h.ok(["db", "init"]);
    // Simulates a database last migrated by an older Switchyard: the latest migration is not recorded.
    const latest = h.query<{ name: string }>(`select name from switchyard_migration order by name desc`)[0]!.name;
    h.query(`delete from switchyard_migration where name = '${latest}'`);
    for (const args of WRITERS) {
      await refuses(h, args, new RegExp(`is behind this Switchyard \\(missing ${latest}\\); run \`switchyard db migrate\``));
    }
    await refuses(h, ["db", "check"], /pending migration.*`switchyard db migrate`/);
    assert.equal(Number(h.query<{ n: number | string }>(`select count(*) as n from dag`)[0]!.n), 0);
  });
});
