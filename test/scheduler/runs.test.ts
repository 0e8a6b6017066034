import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { eventually, Home } from "../support/home.js";

let home: Home;
afterEach(() => home?.cleanup());

interface RunRow {
  runId: string;
  state: string;
  runType: string;
  logicalDate: string;
  startDate: string | null;
  endDate: string | null;
  conf: Record<string, unknown>;
}

const HOUR = 3_600_000;

/** A DAG of ticks every hour from three hours before the hour `hour` (in hours since the epoch; now's by default). */
function scheduledDag(id: string, opts: { catchup: boolean; maxActiveRuns?: number; hour?: number }): string {
  const start = new Date((opts.hour ?? Math.floor(Date.now() / HOUR)) * HOUR - 3 * HOUR).toISOString();
  return `import { dag } from "@switchyard/core";
const d = dag(${JSON.stringify(id)}, { schedule: "@hourly", startDate: ${JSON.stringify(start)}, catchup: ${opts.catchup}${opts.maxActiveRuns ? `, maxActiveRuns: ${opts.maxActiveRuns}` : ""} });
d.bash("work", "sleep 0.2");
export default d;`;
}

describe("DAG runs", () => {
  it("with catchup, runs every missed tick, one at a time under maxActiveRuns = 1", async () => {
    const hourBefore = Math.floor(Date.now() / HOUR);
    home = new Home({ toml: `[core]\nexecutor = "LocalExecutor"\n`, dags: { "c.ts": scheduledDag("hourly_catchup", { catchup: true, maxActiveRuns: 1, hour: hourBefore }) } });
    await home.ok(["db", "init"]);
    const sched = await home.run(["scheduler", "--exit-when-idle"]);
    assert.equal(sched.code, 0, sched.stderr);
    // A scheduler still running when the clock passes the hour rightly runs that tick too.
    const crossed = Math.floor(Date.now() / HOUR) - hourBefore;
    const runs = (await home.json<RunRow[]>(["dags", "list-runs", "hourly_catchup"])).reverse();
    assert.ok(runs.length >= 4 && runs.length <= 4 + crossed, `ticks at start, +1h, +2h, +3h (the latest at or before now): ${runs.length} runs`);
    const hours = runs.map((r) => Date.parse(r.logicalDate));
    for (let i = 1; i < hours.length; i++) assert.equal(hours[i]! - hours[i - 1]!, HOUR);
    assert.ok(runs.every((r) => r.state === "success" && r.runType === "scheduled"));
    assert.ok(runs.every((r) => r.runId === `scheduled__${r.logicalDate}`));
    for (let i = 1; i < runs.length; i++) {
      assert.ok(Date.parse(runs[i]!.startDate!) >= Date.parse(runs[i - 1]!.endDate!), "maxActiveRuns = 1: a run starts after the previous one ended");
    }
    const dags = await home.json<Array<{ dagId: string; nextDagrunAt: string }>>(["dags", "list"]);
    assert.equal(Date.parse(dags[0]!.nextDagrunAt), hours.at(-1)! + HOUR, "the next run is the next tick");
  });

  it("without catchup, runs only the latest tick", async () => {
    const hourBefore = Math.floor(Date.now() / HOUR);
    home = new Home({ toml: `[core]\nexecutor = "LocalExecutor"\n`, dags: { "n.ts": scheduledDag("hourly_latest", { catchup: false, hour: hourBefore }) } });
    await home.ok(["db", "init"]);
    await home.ok(["scheduler", "--exit-when-idle"]);
    const hourAfter = Math.floor(Date.now() / HOUR);
    const runs = await home.json<RunRow[]>(["dags", "list-runs", "hourly_latest"]);
    // The latest tick when the scheduler looked: this hour's, and the next hour's too if the clock passed it meanwhile.
    assert.ok(runs.length >= 1 && runs.length <= 1 + hourAfter - hourBefore, `${runs.length} runs`);
    const ticks = runs.map((r) => Date.parse(r.logicalDate) / HOUR);
    assert.ok(ticks.every((t) => t === hourBefore || t === hourAfter), `only the latest tick runs, none missed before it: ${JSON.stringify(runs.map((r) => r.logicalDate))}`);
  });

  it("a paused DAG's triggered run waits until it is unpaused; conf reaches the tasks", async () => {
    home = new Home({
      toml: `[core]\nexecutor = "LocalExecutor"\n`,
      dags: { "p.ts": `import { dag } from "@switchyard/core";\nconst d = dag("paused_dag");\nd.fn("echo_conf", (ctx) => ctx.conf.greeting);\nexport default d;\n` },
    });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "list"]);
    await home.ok(["dags", "pause", "paused_dag"]);
    await home.ok(["dags", "trigger", "paused_dag", "--run-id", "r1", "--conf", '{"greeting": "hello"}']);
    const sched = home.spawn(["scheduler"]);
    await eventually("the scheduler to be up", async () => ((await home.run(["dags", "state", "paused_dag", "r1"])).stdout.trim() === "queued" ? true : undefined));
    const audit = await home.json<Array<{ event: string }>>(["dags", "audit-log", "paused_dag"]);
    assert.ok(!audit.some((a) => a.event === "dag_run_started"), "a paused DAG's run is not started");
    await home.ok(["dags", "unpause", "paused_dag"]);
    await eventually("the run to succeed after unpause", async () => ((await home.ok(["dags", "state", "paused_dag", "r1"])).trim() === "success" ? true : undefined));
    const runs = await home.json<RunRow[]>(["dags", "list-runs", "paused_dag"]);
    assert.deepEqual(runs[0]!.conf, { greeting: "hello" });
    const log = await home.ok(["tasks", "logs", "paused_dag", "echo_conf", "r1"]);
    assert.match(log, /success/);
    sched.child.kill("SIGTERM");
    assert.equal((await sched.done).code, 0);
  });

  it("tasks run runs one try in its own process, and the scheduler carries the run on from there", async () => {
    home = new Home({
      toml: `[core]\nexecutor = "LocalExecutor"\n`,
      dags: { "m.ts": `import { dag } from "@switchyard/core";\nconst d = dag("manual");\nd.bash("first", "echo by hand").then(d.bash("second", "echo by scheduler"));\nexport default d;\n` },
    });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "manual", "--run-id", "r1"]);
    const out = await home.ok(["tasks", "run", "manual", "first", "r1"]);
    assert.match(out, /manual\.first try 1: success; task instance is now success/);
    assert.match(await home.ok(["tasks", "logs", "manual", "first", "r1"]), /by hand/);
    const again = await home.run(["tasks", "run", "manual", "first", "r1"]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already success; pass --force/);
    await home.ok(["scheduler", "--exit-when-idle"]);
    const states = new Map((await home.states("manual", "r1")).map((s) => [s.taskId, s]));
    assert.equal(states.get("first")!.tryNumber, 1, "the scheduler did not run it again");
    assert.equal(states.get("second")!.state, "success");
    const failing = await home.run(["tasks", "run", "manual", "second", "r1", "--force"]);
    assert.equal(failing.code, 0, failing.stderr);
    assert.equal((await home.states("manual", "r1")).find((s) => s.taskId === "second")!.tryNumber, 2);
  });
});
