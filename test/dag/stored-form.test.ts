import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { chain, dag } from "../../src/dag/builder.js";
import { serializeDag } from "../../src/dag/serialize.js";
import { parseStoredDagText, storedDagText, toStoredDag } from "../../src/dag/stored-form.js";
import { quickstartExecutorNames } from "./support.js";

const ctx = { executorNames: quickstartExecutorNames() };
const FILE = "/dags/etl.ts";

/** Tasks with every option set away from its default, beside bare ones. */
function variedDag() {
  const d = dag("etl", { schedule: "@daily", startDate: "2026-01-01", catchup: true, maxActiveTasks: 3, tags: ["x"], description: "d", defaults: { retries: 2 } });
  const a = d.bash("a", "echo a", {
    executor: "fast", queue: "io", pool: "p", poolSlots: 2, priorityWeight: 7, weightRule: "upstream", retries: 0, retryDelay: 5,
    retryExponentialBackoff: true, maxRetryDelay: 60, triggerRule: "all_done", executorConfig: { isolation: "process" },
    maxActiveTisPerDag: 1, maxActiveTisPerDagrun: 1, timeout: 30, env: { A: "1" },
  });
  const b = d.fn("b", () => 1);
  const c = d.empty("c", { priorityWeight: 0, weightRule: "absolute" });
  const e = d.empty("e");
  chain(a, [b, c], e);
  return serializeDag(d, FILE, ctx);
}

describe("stored form", () => {
  test("gives back exactly the serialized DAG, whatever its options and edges", () => {
    const serialized = variedDag();
    assert.deepEqual(parseStoredDagText(storedDagText(serialized)), serialized);
    const bare = serializeDag(dag("bare"), FILE, ctx);
    assert.deepEqual(parseStoredDagText(storedDagText(bare)), bare);
  });

  test("reads the full form that earlier versions stored", () => {
    const serialized = variedDag();
    assert.deepEqual(parseStoredDagText(JSON.stringify(serialized)), serialized);
  });

  test("keeps only what differs from the usual value, and edges by position", () => {
    const stored = toStoredDag(variedDag());
    const e = stored.tasks.find((t) => t.taskId === "e")!;
    // retries comes from the DAG's defaults (2), so it is kept; the rest of e is usual.
    assert.deepEqual(e, { taskId: "e", kind: "empty", retries: 2, upstream: [1, 2] });
  });

  test("a 1,000-task chain takes a fraction of the full form's size", () => {
    const d = dag("long");
    chain(...Array.from({ length: 1000 }, (_, i) => d.fn(`t${String(i).padStart(6, "0")}`, () => undefined)));
    const serialized = serializeDag(d, FILE, ctx);
    const full = JSON.stringify(serialized).length;
    const stored = storedDagText(serialized).length;
    assert.ok(stored * 4 < full, `stored ${stored} chars, full ${full}`);
    assert.deepEqual(parseStoredDagText(storedDagText(serialized)), serialized);
  });

  test("damaged text (an edge to a task that is not there) is an error naming the DAG", () => {
    const stored = toStoredDag(variedDag());
    stored.tasks[0]!.downstream = [99];
    assert.throws(() => parseStoredDagText(JSON.stringify(stored)), /stored DAG 'etl' is damaged/);
  });
});
