import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, it } from "node:test";
import { eventually, Home, maxOverlap, readIntervals, type Interval } from "../support/home.js";

/** A bash command that records its own start and end, named by task id, run id and the given tag. */
function marked(file: string, seconds: number): string {
  return `echo "start $SWITCHYARD_TASK_ID@$SWITCHYARD_RUN_ID $(date +%s%3N)" >> ${file}; sleep ${seconds}; echo "end $SWITCHYARD_TASK_ID@$SWITCHYARD_RUN_ID $(date +%s%3N)" >> ${file}`;
}

const byTask = (prefix: string) => (i: Interval) => i.name.startsWith(prefix);

describe("critical section: pools, priorities and concurrency limits", () => {
  let home: Home;
  before(async () => {
    home = new Home({ toml: `[core]\nexecutor = "LocalExecutor"\nparallelism = 32\n` });
    await home.ok(["db", "init"]);
  });
  after(() => home.cleanup());

  it("never runs more pool slots than the pool has, counting poolSlots", async () => {
    const m = home.file("pool.txt");
    home.writeDag(
      "pool.ts",
      `import { dag } from "@switchyard/core";
const d = dag("pool_limits");
for (let i = 0; i < 6; i++) d.bash("one_" + i, ${JSON.stringify(marked(m, 0.3))}, { pool: "p3" });
for (let i = 0; i < 2; i++) d.bash("two_" + i, ${JSON.stringify(marked(m, 0.3))}, { pool: "p3", poolSlots: 2 });
export default d;`,
    );
    await home.ok(["pools", "set", "p3", "3"]);
    const { runState } = await home.runDag("pool_limits");
    assert.equal(runState, "success");
    const intervals = readIntervals(m);
    assert.equal(intervals.length, 8);
    const peak = maxOverlap(intervals, (i) => (i.name.startsWith("two_") ? 2 : 1));
    assert.ok(peak <= 3, `pool p3 has 3 slots but ${peak} were in use at once`);
    assert.ok(peak >= 2, "the pool was used in parallel at all");
  });

  it("with one slot, starts tasks in priority order", async () => {
    const m = home.file("priority.txt");
    home.writeDag(
      "priority.ts",
      `import { dag } from "@switchyard/core";
const d = dag("priority_order", { defaults: { pool: "single", weightRule: "absolute" } });
for (const w of [3, 1, 5, 2, 4]) d.bash("w" + w, ${JSON.stringify(marked(m, 0.05))}, { priorityWeight: w });
export default d;`,
    );
    await home.ok(["pools", "set", "single", "1"]);
    await home.runDag("priority_order");
    const order = readIntervals(m)
      .sort((a, b) => a.start - b.start)
      .map((i) => i.name.split("@")[0]);
    assert.deepEqual(order, ["w5", "w4", "w3", "w2", "w1"]);
    assert.equal(maxOverlap(readIntervals(m)), 1);
  });

  it("does not let a candidate that needs more slots than are open block smaller ones", async () => {
    const m = home.file("starve.txt");
    home.writeDag(
      "starve.ts",
      `import { dag } from "@switchyard/core";
// blocker holds 1 of 2 slots; big (higher priority) needs 2 and must wait; the small ones fit and must not wait behind big.
const d = dag("no_starvation", { defaults: { pool: "two", weightRule: "absolute" } });
const blocker = d.bash("blocker", ${JSON.stringify(marked(m, 1.5))}, { priorityWeight: 100 });
d.bash("big", ${JSON.stringify(marked(m, 0.1))}, { priorityWeight: 50, poolSlots: 2 });
for (let i = 0; i < 3; i++) d.bash("small_" + i, ${JSON.stringify(marked(m, 0.1))}, { priorityWeight: 1 });
export default d;`,
    );
    await home.ok(["pools", "set", "two", "2"]);
    const { runState } = await home.runDag("no_starvation");
    assert.equal(runState, "success");
    const intervals = readIntervals(m);
    const blocker = intervals.find(byTask("blocker"))!;
    const small = intervals.filter(byTask("small_"));
    const big = intervals.find(byTask("big"))!;
    assert.equal(small.length, 3);
    for (const s of small) assert.ok(s.start < blocker.end, `${s.name} waited behind the larger candidate`);
    assert.ok(big.start >= blocker.end, "big needs both slots, so it ran after blocker");
  });

  it("holds maxActiveTasks per run and maxActiveTisPerDag across runs", async () => {
    const m = home.file("limits.txt");
    home.writeDag(
      "limits.ts",
      `import { dag } from "@switchyard/core";
export const capped = dag("capped", { maxActiveTasks: 2 });
for (let i = 0; i < 5; i++) capped.bash("t" + i, ${JSON.stringify(marked(m, 0.3))});

export const perTask = dag("per_task", { maxActiveRuns: 3 });
perTask.bash("limited", ${JSON.stringify(marked(m, 0.3))}, { maxActiveTisPerDag: 1 });
perTask.bash("free", ${JSON.stringify(marked(m, 0.3))});`,
    );
    await home.ok(["dags", "trigger", "capped", "--run-id", "c1"]);
    for (const r of ["a", "b", "c"]) await home.ok(["dags", "trigger", "per_task", "--run-id", r, "--no-parse"]);
    await home.runSchedulersUntilIdle();
    const intervals = readIntervals(m);
    const capped = intervals.filter((i) => i.name.endsWith("@c1"));
    assert.equal(capped.length, 5);
    assert.equal(maxOverlap(capped), 2, "maxActiveTasks = 2");
    const limited = intervals.filter(byTask("limited@"));
    assert.equal(limited.length, 3);
    assert.equal(maxOverlap(limited), 1, "maxActiveTisPerDag = 1 across the three runs");
    assert.ok(maxOverlap(intervals.filter(byTask("free@"))) >= 2, "the unlimited task of the same DAG ran in parallel across runs");
  });
});

describe("critical section: runs blocked at their limits never hide runnable work", () => {
  let home: Home;
  const schedulers: Array<ReturnType<Home["spawn"]>> = [];
  before(async () => {
    home = new Home({ toml: `[core]\nexecutor = "LocalExecutor"\nparallelism = 32\n` });
    await home.ok(["db", "init"]);
  });
  after(async () => {
    // The hog tasks wait for this file (up to 90 s): pause the DAG so nothing new starts, release
    // them, and let the schedulers finish gracefully so no try outlives the test.
    home.query(`update dag set is_paused = 1 where dag_id = 'hog'`);
    fs.writeFileSync(home.file("release"), "");
    for (const s of schedulers) s.child.kill("SIGTERM");
    await Promise.all(schedulers.map((s) => s.done));
    home.cleanup();
  });

  it("gives each of 10 hog runs (maxActiveTasks 1) its one running task, and victim's task runs", async () => {
    const release = home.file("release");
    const longSleep = `for i in $(seq 180); do [ -f ${release} ] && exit 0; sleep 0.5; done`;
    home.writeDag(
      "hog.ts",
      `import { dag } from "@switchyard/core";
export const hog = dag("hog", { maxActiveTasks: 1 });
for (let i = 0; i < 40; i++) hog.bash("sleep_" + i, ${JSON.stringify(longSleep)});
export const victim = dag("victim");
victim.bash("only", "echo ran");`,
    );
    for (let r = 0; r < 10; r++) await home.ok(["dags", "trigger", "hog", "--run-id", `h${r}`, ...(r > 0 ? ["--no-parse"] : [])]);
    await home.ok(["dags", "trigger", "victim", "--run-id", "v", "--no-parse"]);
    const n = Math.max(1, Number(process.env.SWITCHYARD_TEST_SCHEDULERS ?? "1"));
    for (let i = 0; i < n; i++) schedulers.push(home.spawn(["scheduler"]));

    type Row = { run_id: string; running: number; active: number };
    const perRun = () =>
      home.query<Row>(
        `select run_id, sum(case when state = 'running' then 1 else 0 end) as running,
                sum(case when state in ('queued', 'running') then 1 else 0 end) as active
         from task_instance where dag_id = 'hog' group by run_id order by run_id`,
      );
    const victimState = () => home.query<{ state: string }>(`select state from task_instance where dag_id = 'victim'`)[0]?.state;
    let last: Row[] = [];
    try {
      await eventually(
        "every hog run to have one running task and victim's task to succeed",
        async () => {
          last = perRun();
          for (const r of last) assert.ok(Number(r.active) <= 1, `hog run ${r.run_id} has ${r.active} queued or running tasks; maxActiveTasks is 1`);
          return last.length === 10 && last.every((r) => Number(r.running) === 1) && victimState() === "success";
        },
        60_000,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; hog runs: ${JSON.stringify(last)}; victim: ${victimState()}`);
    }
  });
});
