import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, it } from "node:test";
import { Home } from "../support/home.js";

// `dags test` and `tasks test` run tasks in the CLI's own process: no scheduler is started anywhere in this file.

const PIPELINE = `
import { dag } from "@switchyard/core";
const d = dag("pipeline", { schedule: null });
const extract = d.bash("extract", "echo extracting at $SWITCHYARD_LOGICAL_DATE");
const transform = d.fn("transform", async (ctx) => { ctx.log("conf says", JSON.stringify(ctx.conf)); return { rows: 3 }; });
const load = d.bash("load", "echo loading");
extract.then(transform).then(load);
export default d;
`;

function flaky(marker: string): string {
  return `
import { dag } from "@switchyard/core";
const d = dag("flaky", { schedule: null });
const first = d.bash("first", "echo first");
const wobbly = d.bash("wobbly", "echo try $SWITCHYARD_TRY_NUMBER; exit 1", { retries: 1, retryDelay: 0 });
const after = d.bash("after", "echo never");
const cleanup = d.bash("cleanup", "echo cleaning up >> ${marker}", { triggerRule: "all_done" });
first.then(wobbly).then(after);
wobbly.then(cleanup);
export default d;
`;
}

describe("dags test: one run in this process, no scheduler", () => {
  let home: Home;
  before(async () => {
    home = new Home({ dags: { "pipeline.ts": PIPELINE } });
    await home.ok(["db", "init"]);
  });
  after(() => home.cleanup());

  it("runs every task in dependency order, prints their logs and records the run", async () => {
    const r = await home.run(["dags", "test", "pipeline", "--conf", '{"limit": 7}', "--logical-date", "2026-03-01T00:00:00Z"]);
    assert.equal(r.code, 0, r.stderr);
    const extract = r.stdout.indexOf("[extract] extracting at 2026-03-01T00:00:00.000Z");
    const transform = r.stdout.search(/\[transform\] .*conf says \{"limit":7\}/);
    const load = r.stdout.indexOf("[load] loading");
    assert.ok(extract >= 0 && transform > extract && load > transform, r.stdout);
    assert.match(r.stdout, /run manual__2026-03-01T00:00:00.000Z of pipeline: success/);

    const runs = await home.json<Array<{ runId: string; runType: string; state: string; logicalDate: string }>>(["dags", "list-runs", "pipeline"]);
    assert.deepEqual(runs.map((x) => [x.runId, x.runType, x.state, x.logicalDate]), [["manual__2026-03-01T00:00:00.000Z", "manual", "success", "2026-03-01T00:00:00.000Z"]]);
    const states = await home.states("pipeline", "manual__2026-03-01T00:00:00.000Z");
    assert.deepEqual(states.map((s) => [s.taskId, s.state, s.tryNumber]).sort(), [["extract", "success", 1], ["load", "success", 1], ["transform", "success", 1]]);
    // The log stays where `tasks logs` finds it, as for a scheduled run.
    assert.match(await home.ok(["tasks", "logs", "pipeline", "load", "manual__2026-03-01T00:00:00.000Z"]), /loading/);
  });

  it("follows retries and trigger rules, and exits 1 when the run fails", async () => {
    const marker = home.file("cleanup.txt");
    home.writeDag("flaky.ts", flaky(marker));
    const r = await home.run(["dags", "test", "flaky", "--run-id", "t1"]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /\[wobbly\] try 1/);
    assert.match(r.stdout, /\[wobbly\] try 2/);
    assert.doesNotMatch(r.stdout, /never/);
    assert.match(r.stdout, /run t1 of flaky: failed/);
    const states = new Map((await home.states("flaky", "t1")).map((s) => [s.taskId, s]));
    assert.equal(states.get("wobbly")!.state, "failed");
    assert.equal(states.get("wobbly")!.tryNumber, 2);
    assert.equal(states.get("after")!.state, "upstream_failed");
    assert.equal(states.get("cleanup")!.state, "success");
    assert.equal(fs.readFileSync(marker, "utf8").trim(), "cleaning up");
  });

  it("rejects bad --conf, --logical-date and --run-id, and an unknown DAG, creating no run", async () => {
    for (const [args, pattern] of [
      [["--conf", "{nope"], /--conf is not valid JSON/],
      [["--conf", "[1]"], /--conf must be a JSON object/],
      [["--logical-date", "yesterday-ish"], /--logical-date 'yesterday-ish' is not an ISO-8601 date/],
      [["--run-id", "a b"], /--run-id 'a b' is not valid/],
    ] as const) {
      const r = await home.run(["dags", "test", "pipeline", ...args]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, pattern);
    }
    const unknown = await home.run(["dags", "test", "nope"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no DAG named 'nope'/);
    assert.equal((await home.json<unknown[]>(["dags", "list-runs", "pipeline"])).length, 1, "only the run of the first test");
  });
});

describe("tasks test: one task, its upstream ignored, nothing recorded", () => {
  let home: Home;
  before(() => {
    home = new Home({ dags: { "pipeline.ts": PIPELINE } });
  });
  after(() => home.cleanup());

  it("runs a downstream task alone and needs no database at all", async () => {
    const r = await home.run(["tasks", "test", "pipeline", "transform", "--conf", '{"k": "v"}']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /conf says \{"k":"v"\}/);
    assert.match(r.stdout, /pipeline\.transform: success \(nothing recorded\)/);
    assert.doesNotMatch(r.stdout, /extracting/, "upstream tasks do not run");
    assert.equal(home.databaseExists(), false);
    assert.equal(fs.existsSync(home.file("logs")), false, "no log is kept");
  });

  it("writes nothing to an existing database either", async () => {
    await home.ok(["db", "init"]);
    await home.ok(["tasks", "test", "pipeline", "load"]);
    assert.deepEqual(home.query("select count(*) as n from dag_run").map((r) => Number(r.n)), [0]);
    assert.deepEqual(home.query("select count(*) as n from task_log").map((r) => Number(r.n)), [0]);
  });

  it("exits 1 when the task fails, and names what is valid for an unknown task or DAG", async () => {
    home.writeDag("broken.ts", `import { dag } from "@switchyard/core";\nconst d = dag("broken", {});\nd.bash("boom", "echo going down; exit 3");\nexport default d;\n`);
    const r = await home.run(["tasks", "test", "broken", "boom"]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /going down/);
    assert.match(r.stdout, /broken\.boom: failed/);
    const task = await home.run(["tasks", "test", "pipeline", "nope"]);
    assert.match(task.stderr, /DAG 'pipeline' has no task 'nope'; its tasks: extract, transform, load/);
    const dag = await home.run(["tasks", "test", "nope", "x"]);
    assert.match(dag.stderr, /no DAG named 'nope' in .*; DAGs there: (broken, pipeline|pipeline, broken)/);
    const conf = await home.run(["tasks", "test", "pipeline", "load", "--conf", "oops"]);
    assert.equal(conf.code, 1);
    assert.match(conf.stderr, /--conf is not valid JSON/);
  });
});
