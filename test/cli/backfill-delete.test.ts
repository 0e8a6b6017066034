import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Home } from "../support/home.js";

const DAILY = `
import { dag } from "@switchyard/core";
const d = dag("daily", { schedule: "@daily", startDate: "2026-01-01T00:00:00Z", catchup: false });
d.bash("work", "echo working on $SWITCHYARD_LOGICAL_DATE");
export default d;
`;
const MANUAL = `
import { dag } from "@switchyard/core";
const d = dag("manual", { schedule: null });
d.bash("work", "echo manual");
export default d;
`;

interface RunJson {
  runId: string;
  runType: string;
  state: string;
  logicalDate: string;
}

describe("dags backfill", () => {
  let home: Home;
  before(async () => {
    home = new Home({ dags: { "daily.ts": DAILY, "manual.ts": MANUAL } });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "list"]);
    await home.ok(["dags", "pause", "daily"]); // only the backfill's runs, not the schedule's
  });
  after(() => home.cleanup());

  const backfillRuns = async () => (await home.json<RunJson[]>(["dags", "list-runs", "daily"])).filter((r) => r.runType === "backfill");

  it("--dry-run lists one run per schedule tick, both ends included, and creates nothing", async () => {
    const rows = await home.json<Array<{ logicalDate: string; action: string }>>(["dags", "backfill", "daily", "--start-date", "2026-01-01", "--end-date", "2026-01-03", "--dry-run"]);
    assert.deepEqual(rows.map((r) => [r.logicalDate, r.action]), [
      ["2026-01-01T00:00:00.000Z", "would_create"],
      ["2026-01-02T00:00:00.000Z", "would_create"],
      ["2026-01-03T00:00:00.000Z", "would_create"],
    ]);
    assert.deepEqual(await backfillRuns(), []);
  });

  it("creates backfill runs that the scheduler runs, and skips dates that already have a run", async () => {
    await home.ok(["dags", "trigger", "daily", "--run-id", "by_hand", "--logical-date", "2026-01-02T00:00:00Z"]);
    const out = await home.ok(["dags", "backfill", "daily", "-s", "2026-01-01T00:00:00Z", "-e", "2026-01-03T00:00:00Z"]);
    assert.match(out, /2026-01-02T00:00:00.000Z\s+by_hand\s+skipped: a run exists/);
    assert.match(out, /created 2 backfill run\(s\), skipped 1 date\(s\) that already have a run/);
    assert.match(out, /daily is paused; its runs start once it is unpaused/);
    assert.deepEqual((await backfillRuns()).map((r) => [r.runId, r.state]).sort(), [
      ["backfill__2026-01-01T00:00:00.000Z", "queued"],
      ["backfill__2026-01-03T00:00:00.000Z", "queued"],
    ]);
    await home.ok(["dags", "unpause", "daily"]);
    await home.runSchedulersUntilIdle();
    await home.ok(["dags", "pause", "daily"]);
    for (const run of await backfillRuns()) assert.equal(run.state, "success", run.runId);
    assert.match(await home.ok(["tasks", "logs", "daily", "work", "backfill__2026-01-03T00:00:00.000Z"]), /working on 2026-01-03T00:00:00.000Z/);
  });

  it("rejects a reversed range, a bad date, a DAG without a schedule and a huge range, creating nothing", async () => {
    const before = (await home.json<RunJson[]>(["dags", "list-runs", "daily"])).length;
    for (const [args, pattern] of [
      [["daily", "-s", "2026-01-05", "-e", "2026-01-01"], /--end-date 2026-01-01T00:00:00.000Z is before --start-date 2026-01-05T00:00:00.000Z/],
      [["daily", "-s", "the first", "-e", "2026-01-01"], /--start-date 'the first' is not an ISO-8601 date; use ISO-8601/],
      [["daily", "-s", "2026-01-01", "-e", "soon"], /--end-date 'soon' is not an ISO-8601 date/],
      [["manual", "-s", "2026-01-01", "-e", "2026-01-02"], /DAG 'manual' has no schedule/],
      [["daily", "-s", "2026-01-01", "-e", "2036-01-01"], /holds more than 1000 runs of 'daily'/],
      [["nope", "-s", "2026-01-01", "-e", "2026-01-02"], /no DAG named 'nope'/],
    ] as const) {
      const r = await home.run(["dags", "backfill", ...args]);
      assert.equal(r.code, 1, args.join(" "));
      assert.match(r.stderr, pattern);
    }
    const missing = await home.run(["dags", "backfill", "daily", "-s", "2026-01-01"]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /--end-date/);
    assert.equal((await home.json<RunJson[]>(["dags", "list-runs", "daily"])).length, before);
  });
});

describe("dags delete", () => {
  let home: Home;
  before(async () => {
    home = new Home({ dags: { "manual.ts": MANUAL } });
    await home.runDag("manual", "r1");
  });
  after(() => home.cleanup());

  it("refuses without --yes when there is no terminal to ask on", async () => {
    const r = await home.run(["dags", "delete", "manual"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refusing to delete DAG 'manual' without confirmation: stdin is not a terminal; pass --yes/);
    assert.equal((await home.json<unknown[]>(["dags", "list-runs", "manual"])).length, 1);
  });

  it("refuses while a task instance is in flight", async () => {
    home.query("update task_instance set state = 'running' where run_id = 'r1'");
    const r = await home.run(["dags", "delete", "manual", "--yes"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /DAG 'manual' has task instances in flight \(work running in r1\)/);
    home.query("update task_instance set state = 'success' where run_id = 'r1'");
  });

  it("--yes deletes runs and task instances, keeps the audit log, and the DAG comes back at the next parse", async () => {
    const out = await home.ok(["dags", "delete", "manual", "--yes"]);
    assert.match(out, /deleted manual: 1 run\(s\), 1 task instance\(s\), 1 log record\(s\)/);
    assert.match(out, /manual\.ts is still there, so manual reappears at the next parse/);
    assert.deepEqual(home.query("select count(*) as n from dag_run where dag_id = 'manual'").map((r) => Number(r.n)), [0]);
    assert.deepEqual(home.query("select count(*) as n from task_instance where dag_id = 'manual'").map((r) => Number(r.n)), [0]);
    assert.deepEqual(home.query("select count(*) as n from dag where dag_id = 'manual'").map((r) => Number(r.n)), [0]);
    assert.ok(home.query("select event from audit_log where dag_id = 'manual'").some((r) => r.event === "dag_deleted"));
    const dags = await home.json<Array<{ dagId: string }>>(["dags", "list"]);
    assert.deepEqual(dags.map((d) => d.dagId), ["manual"]);
    assert.deepEqual(await home.json<unknown[]>(["dags", "list-runs", "manual"]), []);
    const again = await home.run(["dags", "delete", "nope", "--yes"]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no DAG named 'nope'/);
  });
});
