import assert from "node:assert/strict";
import { dirname, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { collectDagBag } from "../../src/dag/dagbag.js";
import type { SerializedDag } from "../../src/dag/types.js";
import { quickstartExecutorNames } from "./support.js";

const EXAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), "../../examples/dags");

function tasksOf(dags: SerializedDag[], dagId: string) {
  const found = dags.find((d) => d.dagId === dagId);
  assert.ok(found, `example DAG ${dagId} is loaded`);
  return Object.fromEntries(found.tasks.map((t) => [t.taskId, t]));
}

test("the example DAGs load without import errors under the quickstart executors", async () => {
  const bag = await collectDagBag({ folder: EXAMPLES, executorNames: quickstartExecutorNames() });
  assert.deepEqual(bag.errors, []);
  assert.deepEqual(bag.dags.map((d) => d.dagId).sort(), ["multi_executor_demo", "pools_and_priorities", "retries_and_trigger_rules"]);
  for (const d of bag.dags) assert.equal(d.schedule, null);

  const multi = tasksOf(bag.dags, "multi_executor_demo");
  const executors = new Set(Object.values(multi).map((t) => t.executor));
  assert.deepEqual([...executors].sort(), [null, "SequentialExecutor", "fast"].sort());
  assert.deepEqual(multi.merge!.upstream, ["count_eu", "count_us", "count_apac"]);

  const pools = tasksOf(bag.dags, "pools_and_priorities");
  assert.equal(pools.heavy!.poolSlots, 2);
  assert.equal(pools.urgent!.pool, "limited");
  assert.equal(pools.summarize!.effectivePriorityWeight, 21);

  const retries = tasksOf(bag.dags, "retries_and_trigger_rules");
  assert.deepEqual(
    Object.fromEntries(Object.values(retries).map((t) => [t.taskId, t.triggerRule])),
    { flaky: "all_success", always_fails: "all_success", after_flaky: "none_failed", alert_on_failure: "one_failed", cleanup: "all_done", publish: "all_success" },
  );
  assert.deepEqual([retries.flaky!.retries, retries.flaky!.retryDelay], [1, 1]);
});
