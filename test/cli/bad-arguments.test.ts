import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, it } from "node:test";
import { Home } from "../support/home.js";

// The argument parsers through the real CLI, on both databases: a refused value exits 1 with one
// `error:` line and writes nothing.
describe("bad command-line values are refused before anything is written", () => {
  let home: Home;
  before(async () => {
    home = new Home({ dags: { "d.ts": `import { dag } from "@switchyard/core";\nconst d = dag("d", { schedule: null });\nd.fn("t", async (ctx) => ctx.conf);\nexport default d;\n` } });
    await home.ok(["db", "init"]);
  });
  after(() => home.cleanup());

  async function refused(args: string[], pattern: RegExp, stdin?: string): Promise<void> {
    const r = stdin === undefined ? await home.run(args) : await home.runWithInput(args, stdin);
    assert.equal(r.code, 1, `switchyard ${args.join(" ")} should fail: ${r.stdout}`);
    assert.match(r.stderr, /^error: [^\n]+\n$/, "one error line");
    assert.match(r.stderr, pattern);
  }

  it("pools set: only integers 0..2^31-1 or -1, the same on SQLite and PostgreSQL", async () => {
    for (const slots of ["1e20", "1e308", "", "0x10", "9007199254740993", "2147483648"]) {
      await refused(["pools", "set", "p", slots], /slots '.*' is not valid; use an integer from 0 to 2147483647, or -1 for an unlimited pool/);
    }
    assert.deepEqual(home.query("select name from pool where name = 'p'"), [], "nothing written");
    await home.ok(["pools", "set", "p", "2147483647"]);
    await home.ok(["pools", "set", "q", "-1"]);
    const pools = await home.json<Array<{ name: string; slots: number }>>(["pools", "list"]);
    assert.deepEqual(pools.filter((p) => p.name !== "default_pool").map((p) => [p.name, p.slots]), [["p", 2147483647], ["q", -1]]);
  });

  it("dags trigger: impossible and out-of-range logical dates are refused", async () => {
    await refused(["dags", "trigger", "d", "--logical-date", "2026-02-30"], /--logical-date '2026-02-30' is not a calendar date/);
    await refused(["dags", "trigger", "d", "--logical-date", "0000-01-01"], /year 0000/);
    await refused(["dags", "trigger", "d", "--logical-date", "-000001-01-01T00:00:00Z"], /four-digit year/);
    assert.deepEqual(home.query("select run_id from dag_run"), []);
  });

  it("dags trigger: a conf too deep to store is refused; --conf-file and --conf - read large ones", async () => {
    const deep = '{"a":'.repeat(5000) + "1" + "}".repeat(5000);
    await refused(["dags", "trigger", "d", "--conf", deep], /--conf is too deeply nested \(more than 100 levels/);
    fs.writeFileSync(home.file("deep.json"), deep);
    await refused(["dags", "trigger", "d", "--conf-file", home.file("deep.json")], /--conf-file .*deep\.json is too deeply nested/);
    await refused(["dags", "trigger", "d", "--conf-file", home.file("missing.json")], /--conf-file .*missing\.json cannot be read/);
    await refused(["dags", "trigger", "d", "--conf", "{}", "--conf-file", home.file("x.json")], /--conf and --conf-file/);
    assert.deepEqual(home.query("select run_id from dag_run"), []);

    const big = JSON.stringify({ rows: Array.from({ length: 20_000 }, (_, i) => `row-${i}`) }); // larger than one argv string may be
    fs.writeFileSync(home.file("conf.json"), big);
    await home.ok(["dags", "trigger", "d", "--run-id", "from_file", "--conf-file", home.file("conf.json")]);
    const viaStdin = await home.runWithInput(["dags", "trigger", "d", "--run-id", "from_stdin", "--conf", "-"], '{"from": "stdin"}');
    assert.equal(viaStdin.code, 0, viaStdin.stderr);
    const runs = await home.json<Array<{ runId: string; conf: Record<string, unknown> }>>(["dags", "list-runs", "d"]);
    const conf = new Map(runs.map((r) => [r.runId, r.conf]));
    assert.equal((conf.get("from_file")!["rows"] as string[]).length, 20_000);
    assert.deepEqual(conf.get("from_stdin"), { from: "stdin" });
  });
});
