/**
 * Two workers on one queue (issue 10 §3): they share its tries, never run the same try at once,
 * and every try runs exactly once. Tries record themselves in a marker file; retried tries make
 * several try numbers per task.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { maxOverlap, readIntervals, TEST_DB } from "../support/home.js";
import { assertRedisAnswers } from "../executors/bullmq/support.js";
import { dagFile, Fleet, startsOf, tryMarker } from "./helpers.js";

/** Tries whose log a worker wrote under its own home: `<task>@<try>`. */
function triesLoggedBy(home: string): string[] {
  const root = path.join(home, "logs", "dag_id=shared", "run_id=r1");
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[])
    .map((f) => /task_id=([^/]+)\/attempt=(\d+)\.log$/.exec(f))
    .filter((m) => m !== null)
    .map((m) => `${m[1]}@${m[2]}`);
}

describe(`two workers on one queue (${TEST_DB})`, () => {
  let fleet: Fleet;
  before(() => assertRedisAnswers());
  after(() => fleet?.cleanup());

  it("share the queue's tries, never run the same try at once, and run every try exactly once", async () => {
    fleet = new Fleet();
    const home = fleet.scheduler({}, { core: "parallelism = 16\n" });
    const markers = home.file("markers.txt");
    const tasks = 30;
    // Every third task fails its first try, so its TI has two tries.
    const body = [
      `for (let i = 0; i < ${tasks}; i++) {`,
      `  const flaky = i % 3 === 0;`,
      `  const fail = flaky ? ' && [ "$SWITCHYARD_TRY_NUMBER" -gt 1 ]' : "";`,
      `  d.bash("t" + i, ${JSON.stringify(tryMarker(markers, 0.2))} + fail, flaky ? { retries: 1, retryDelay: 0 } : {});`,
      `}`,
    ].join("\n");
    const dag = dagFile("shared", body);
    home.writeDag("shared.ts", dag);
    await fleet.worker("wa", { "shared.ts": dag }, { concurrency: 4 });
    await fleet.worker("wb", { "shared.ts": dag }, { concurrency: 4 });
    const { runState, states } = await home.runDag("shared");
    assert.equal(runState, "success", fleet.output());

    const flaky = [...Array(tasks).keys()].filter((i) => i % 3 === 0).map((i) => `t${i}`);
    const expected = [...states.keys()].flatMap((t) => (flaky.includes(t) ? [`${t}@1`, `${t}@2`] : [`${t}@1`])).sort();
    for (const [task, s] of states) assert.deepEqual([s.state, s.tryNumber], ["success", flaky.includes(task) ? 2 : 1], task);

    // Every try started exactly once and finished.
    const starts = startsOf(markers);
    assert.deepEqual([...starts.keys()].sort(), expected);
    for (const [name, n] of starts) assert.equal(n, 1, `${name} started ${n} times`);
    const intervals = readIntervals(markers);
    assert.deepEqual(intervals.map((i) => i.name).sort(), expected);

    // Never two tries of one TI at once (a retry starts after its failed try ended).
    for (const task of states.keys()) {
      const own = intervals.filter((i) => i.name.startsWith(`${task}@`));
      assert.equal(maxOverlap(own), 1, `${task}: ${JSON.stringify(own)}`);
    }
    // Both workers took tries, each try was logged by exactly one of them, and together they ran them all.
    const [a, b] = fleet.workers.map((w) => triesLoggedBy(w.home.dir));
    assert.ok(a!.length > 0 && b!.length > 0, `both workers ran tries (wa ${a!.length}, wb ${b!.length})`);
    assert.deepEqual([...a!, ...b!].sort(), expected);
  });
});
