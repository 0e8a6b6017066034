/**
 * One DAG whose tasks run on the LocalExecutor and on the fleet (issue 10 §3): a pool and
 * `[core] parallelism` hold across both executors, as the tries' own markers show.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { maxOverlap, readIntervals, TEST_DB, type Interval } from "../support/home.js";
import { assertRedisAnswers } from "../executors/bullmq/support.js";
import { dagFile, Fleet, tryMarker } from "./helpers.js";

describe(`a DAG on the LocalExecutor and the BullMQExecutor (${TEST_DB})`, () => {
  let fleet: Fleet;
  before(() => assertRedisAnswers());
  after(() => fleet?.cleanup());

  it("keeps [core] parallelism and a pool's slots across both executors", async () => {
    fleet = new Fleet();
    const home = fleet.scheduler({}, { executors: "LocalExecutor,BullMQExecutor", core: "parallelism = 3\n" });
    const markers = home.file("markers.txt");
    const run = JSON.stringify(tryMarker(markers, 1));
    // Four tasks on each executor outside any pool, and two on each in the two-slot pool p2.
    // Priorities alternate between the executors, so each batch the scheduler queues holds both.
    const body = [
      `let weight = 100;`,
      `for (let i = 0; i < 4; i++) for (const [tag, ex] of [["local", "LocalExecutor"], ["fleet", "BullMQExecutor"]]) {`,
      `  d.bash(tag + "_free_" + i, ${run}, { executor: ex, priorityWeight: weight-- });`,
      `  if (i < 2) d.bash(tag + "_pool_" + i, ${run}, { executor: ex, pool: "p2", priorityWeight: weight-- });`,
      `}`,
    ].join("\n");
    const dag = dagFile("mixed", body, `{ defaults: { weightRule: "absolute" } }`);
    home.writeDag("mixed.ts", dag);
    // The worker alone could run everything at once: the limits must come from the scheduler.
    await fleet.worker("w1", { "mixed.ts": dag }, { concurrency: 8 });
    await home.ok(["db", "init"]);
    await home.ok(["pools", "set", "p2", "2"]);
    const { runState, states } = await home.runDag("mixed");
    assert.equal(runState, "success", fleet.output());
    for (const [task, s] of states) {
      assert.equal(s.state, "success", task);
      assert.equal(s.executor, task.startsWith("fleet") ? "BullMQExecutor" : "LocalExecutor", task);
    }

    const intervals = readIntervals(markers);
    assert.equal(intervals.length, 12);
    const on = (tag: string) => (i: Interval) => i.name.startsWith(tag);
    // Each executor did run tries, and the fleet's ran on the worker (its log is under the worker's home).
    assert.ok(intervals.some(on("local_")) && intervals.some(on("fleet_")));
    assert.ok(fleet.workers[0]!.output().includes("mixed.fleet_free_0 run=r1 try=1: success"), fleet.output());

    const all = maxOverlap(intervals);
    assert.ok(all <= 3, `[core] parallelism is 3 but ${all} tries ran at once`);
    assert.ok(all >= 2, "tries ran side by side at all");
    const overlaps = (a: Interval, b: Interval) => a.start < b.end && b.start < a.end;
    const local = intervals.filter(on("local_"));
    assert.ok(
      intervals.filter(on("fleet_")).some((f) => local.some((l) => overlaps(f, l))),
      "a local and a fleet try ran at the same time (the limit is shared, not taken in turns)",
    );
    const pooled = intervals.filter((i) => i.name.includes("_pool_"));
    const poolPeak = maxOverlap(pooled);
    assert.ok(poolPeak <= 2, `pool p2 has 2 slots but ${poolPeak} of its tries ran at once: ${JSON.stringify(pooled)}`);
  });
});
