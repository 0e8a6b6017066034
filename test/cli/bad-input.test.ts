import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { Home } from "../support/home.js";

const homes: Home[] = [];
function home(toml?: string, dags: Record<string, string> = {}): Home {
  const h = new Home({ ...(toml !== undefined ? { toml } : {}), dags });
  homes.push(h);
  return h;
}
after(() => homes.forEach((h) => h.cleanup()));

/** Asserts the command failed with one clear error line and created no database. */
async function rejects(h: Home, args: string[], pattern: RegExp): Promise<string> {
  const r = await h.run(args);
  assert.notEqual(r.code, 0, `expected failure, got: ${r.stdout}`);
  assert.match(r.stderr, /^error: /m);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "an expected error prints no stack trace");
  assert.equal(h.databaseExists(), false, "nothing was written");
  return r.stderr;
}

describe("bad configuration is rejected before anything is written", () => {
  it("TOML syntax error names the file and line", async () => {
    const h = home(`[core]\nparallelism = = 4\n`);
    await rejects(h, ["db", "init"], /switchyard\.toml.*(line 2|:2)/s);
  });

  it("an unknown key names it and suggests the valid one", async () => {
    const h = home(`[core]\nparalelism = 4\n`);
    await rejects(h, ["db", "init"], /\[core\] paralelism.*parallelism/s);
  });

  it("parallelism = 0 is an error that says what is valid", async () => {
    const h = home(`[core]\nparallelism = 0\n`);
    await rejects(h, ["db", "init"], /\[core\] parallelism.*integer >= 1/s);
  });

  it("a wrong type names the key, the value and the valid type", async () => {
    const h = home(`[core]\nparallelism = "many"\n`);
    await rejects(h, ["scheduler", "--exit-when-idle"], /\[core\] parallelism.*"many"/s);
  });

  it("an environment override with a bad value names the variable", async () => {
    const h = home();
    const r = await h.run(["db", "init"], { env: { SWITCHYARD__CORE__PARALLELISM: "-3" } });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /SWITCHYARD__CORE__PARALLELISM/);
    assert.equal(h.databaseExists(), false);
  });

  const malformedExecutors: Array<[string, RegExp]> = [
    ['executor = ""', /no executor|empty/i],
    ['executor = "LocalExecutor,,SequentialExecutor"', /empty entry|entry 2/i],
    ['executor = "a::b"', /"a::b".*has more than one ":"/],
    ['executor = "alias:"', /names no executor after "alias:"/],
    ['executor = ":LocalExecutor"', /empty alias|alias is empty/i],
    ['executor = "FancyExecutor"', /FancyExecutor.*(LocalExecutor|valid)/s],
    ['executor = "CeleryExecutor"', /CeleryExecutor is Airflow's .*use BullMQExecutor .*switchyard worker.*or LocalExecutor/s],
    ['executor = "LocalExecutor,LocalExecutor"', /entries 1 and 2 .*are both LocalExecutor without an alias/],
    ['executor = "fast:LocalExecutor,fast:SequentialExecutor"', /both use the alias "fast"/],
  ];
  for (const [line, pattern] of malformedExecutors) {
    it(`rejects [core] ${line}`, async () => {
      await rejects(home(`[core]\n${line}\n`), ["db", "init"], pattern);
    });
  }

  it("rejects a custom executor module that does not load, lacks the export, or exports something else", async () => {
    const h = home();
    fs.writeFileSync(path.join(h.dir, "throws.mjs"), `throw new Error("boom at import");\n`);
    fs.writeFileSync(path.join(h.dir, "plain.mjs"), `export class NotAnExecutor {}\nexport const other = 1;\n`);
    const cases: Array<[string, RegExp]> = [
      ["x:./missing.mjs#X", /missing\.mjs/],
      ["x:./throws.mjs#X", /boom at import/],
      ["x:./plain.mjs#Gone", /Gone.*(NotAnExecutor|exports)/s],
      ["x:./plain.mjs#NotAnExecutor", /NotAnExecutor.*BaseExecutor/s],
    ];
    for (const [entry, pattern] of cases) {
      fs.writeFileSync(path.join(h.dir, "switchyard.toml"), `[core]\nexecutor = "LocalExecutor,${entry}"\n`);
      const r = await h.run(["executors", "check"]);
      assert.notEqual(r.code, 0, entry);
      assert.match(r.stderr + r.stdout, pattern, entry);
      const s = await h.run(["scheduler", "--exit-when-idle"]);
      assert.notEqual(s.code, 0, `scheduler must refuse to start with ${entry}`);
    }
    assert.equal(h.databaseExists(), false);
  });
});

describe("bad CLI arguments", () => {
  it("rejects --conf that is not a JSON object, and creates no run", async () => {
    const h = home(`[core]\nexecutor = "LocalExecutor"\n`, { "d.ts": `import { dag } from "@switchyard/core";\nconst d = dag("d");\nd.bash("t", "true");\nexport default d;\n` });
    await h.ok(["db", "init"]);
    await h.ok(["dags", "list"]);
    for (const conf of ["{not json", "[1,2]", "42"]) {
      const r = await h.run(["dags", "trigger", "d", "--conf", conf]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /--conf .*JSON object/);
    }
    const runs = JSON.parse(await h.ok(["dags", "list-runs", "d", "-o", "json"])) as unknown[];
    assert.equal(runs.length, 0);
  });

  it("tasks run for a task instance that does not exist says what exists and writes nothing", async () => {
    const h = home(`[core]\nexecutor = "LocalExecutor"\n`, { "d.ts": `import { dag } from "@switchyard/core";\nconst d = dag("d");\nd.bash("t", "true");\nexport default d;\n` });
    await h.ok(["db", "init"]);
    await h.ok(["dags", "trigger", "d", "--run-id", "r1"]);
    const auditBefore = (JSON.parse(await h.ok(["dags", "audit-log", "d", "-o", "json"])) as unknown[]).length;
    const noTask = await h.run(["tasks", "run", "d", "nope", "r1"]);
    assert.equal(noTask.code, 1);
    assert.match(noTask.stderr, /run 'r1' of DAG 'd' has no task 'nope'; its tasks: t/);
    const noRun = await h.run(["tasks", "run", "d", "t", "r9"]);
    assert.match(noRun.stderr, /DAG 'd' has no run 'r9'/);
    const noDag = await h.run(["tasks", "run", "zz", "t", "r1"]);
    assert.match(noDag.stderr, /no DAG named 'zz'/);
    const auditAfter = (JSON.parse(await h.ok(["dags", "audit-log", "d", "-o", "json"])) as unknown[]).length;
    assert.equal(auditAfter, auditBefore);
    const states = await h.states("d", "r1");
    assert.deepEqual(states.map((s) => [s.taskId, s.state, s.tryNumber]), [["t", "none", 0]]);
  });

  it("pools set rejects bad slots and default_pool cannot be deleted", async () => {
    const h = home(`[core]\nexecutor = "LocalExecutor"\n`);
    await h.ok(["db", "init"]);
    const bad = await h.run(["pools", "set", "p", "lots"]);
    assert.match(bad.stderr, /slots 'lots' is not valid/);
    const del = await h.run(["pools", "delete", "default_pool"]);
    assert.match(del.stderr, /default_pool cannot be deleted/);
    const pools = JSON.parse(await h.ok(["pools", "list", "-o", "json"])) as Array<{ name: string; slots: number }>;
    assert.deepEqual(pools.map((p) => [p.name, p.slots]), [["default_pool", 128]]);
  });

  it("commands other than db init refuse a database that was never initialised", async () => {
    const h = home(`[core]\nexecutor = "LocalExecutor"\n`);
    await rejects(h, ["dags", "list"], /does not exist; create it with `switchyard db init`/);
  });
});
