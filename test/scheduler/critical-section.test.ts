import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Home, maxOverlap, readIntervals, type Interval } from "../support/home.js";

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
