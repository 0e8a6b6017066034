import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Home, markerCommand, maxOverlap, readIntervals } from "../support/home.js";

describe("multi-executor routing", () => {
  let home: Home;
  let markers: string;
  before(() => {
    home = new Home({
      toml: `
[core]
executor = "LocalExecutor,SequentialExecutor,fast:LocalExecutor"
parallelism = 16
[executors.fast]
parallelism = 1
`,
    });
    markers = home.file("markers.txt");
    home.writeDag(
      "routing.ts",
      `
import { dag } from "@switchyard/core";
// DAG default sends tasks to "fast"; some override it, one clears nothing and inherits it.
export const byDefault = dag("routing", { defaults: { executor: "fast" } });
for (const i of [1, 2, 3]) byDefault.bash("fast_" + i, ${JSON.stringify(markerCommand(markers, "fast_X", 0.4))}.replaceAll("fast_X", "fast_" + i));
for (const i of [1, 2, 3]) byDefault.bash("local_" + i, ${JSON.stringify(markerCommand(markers, "local_X", 0.8))}.replaceAll("local_X", "local_" + i), { executor: "LocalExecutor" });
byDefault.bash("seq", "echo seq", { executor: "SequentialExecutor" });

export const plain = dag("plain");
plain.fn("default_task", () => 1);
plain.bash("by_class", "true", { executor: "SequentialExecutor" });
`,
    );
  });
  after(() => home.cleanup());

  it("routes by task option, DAG default and default executor, and records the executor per TI", async () => {
    const { states, runState } = await home.runDag("routing");
    assert.equal(runState, "success");
    for (const i of [1, 2, 3]) {
      assert.equal(states.get(`fast_${i}`)!.executor, "fast", "DAG default");
      assert.equal(states.get(`local_${i}`)!.executor, "LocalExecutor", "task option");
    }
    assert.equal(states.get("seq")!.executor, "SequentialExecutor");
    const plain = await home.runDag("plain", "p1");
    assert.equal(plain.states.get("default_task")!.executor, "LocalExecutor", "no executor set: the default (first) one");
    assert.equal(plain.states.get("by_class")!.executor, "SequentialExecutor");
    for (const s of [...states.values(), ...plain.states.values()]) {
      assert.match(s.startDate!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(s.tryNumber, 1);
    }
  });

  it("holds one executor's parallelism while another runs tasks at the same time", () => {
    const intervals = readIntervals(markers);
    const fast = intervals.filter((i) => i.name.startsWith("fast_"));
    const local = intervals.filter((i) => i.name.startsWith("local_"));
    assert.equal(fast.length, 3);
    assert.equal(maxOverlap(fast), 1, "fast has parallelism 1");
    assert.ok(maxOverlap(local) >= 2, "LocalExecutor ran its tasks side by side");
    const overlapsFast = local.some((l) => fast.some((f) => f.start < l.end && l.start < f.end));
    assert.ok(overlapsFast, "LocalExecutor tasks ran while fast was busy");
  });

  it("explains routing: executor, why, queue, pool, priority", async () => {
    const out = await home.ok(["dags", "explain-routing", "routing", "-o", "json"]);
    const rows = new Map((JSON.parse(out) as { tasks: Array<Record<string, unknown>> }).tasks.map((t) => [t.taskId, t]));
    assert.equal(rows.get("fast_1")!.source, "dag_default");
    assert.match(String(rows.get("fast_1")!.reason), /DAG defaults executor: "fast"/);
    assert.equal(rows.get("local_1")!.source, "task");
    assert.equal(rows.get("local_1")!.executorClass, "LocalExecutor");
    const plain = JSON.parse(await home.ok(["dags", "explain-routing", "plain", "-o", "json"])) as { tasks: Array<Record<string, unknown>> };
    const def = plain.tasks.find((t) => t.taskId === "default_task")!;
    assert.equal(def.source, "default");
    assert.match(String(def.reason), /default executor .* is LocalExecutor/);
    assert.equal(def.pool, "default_pool");
    assert.equal(def.queue, "default");
    const table = await home.ok(["dags", "explain-routing", "routing"]);
    assert.match(table, /fast_1\s+fast \(LocalExecutor\)\s+DAG defaults executor/);
  });
});
