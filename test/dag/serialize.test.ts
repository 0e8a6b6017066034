import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { chain, dag } from "../../src/dag/builder.js";
import { DagValidationError } from "../../src/dag/errors.js";
import { serializeDag } from "../../src/dag/serialize.js";
import type { DagDefinition, SerializedDag, TaskDefinition } from "../../src/dag/types.js";
import { quickstartExecutorNames } from "./support.js";

const ctx = { executorNames: quickstartExecutorNames() };
const FILE = "/dags/etl.ts";

function byId(serialized: SerializedDag) {
  return Object.fromEntries(serialized.tasks.map((t) => [t.taskId, t]));
}

function validationError(definition: DagDefinition): DagValidationError {
  try {
    serializeDag(definition, FILE, ctx);
  } catch (error) {
    assert.ok(error instanceof DagValidationError, `expected DagValidationError, got ${String(error)}`);
    assert.equal(error.code, "DAG_VALIDATION");
    return error;
  }
  assert.fail("expected a DagValidationError");
}

/** A DAG made without the builder (as another copy of the package, or a hand-written object, could). */
function handMade(dagId: string, edges: Record<string, string[]>, options: TaskDefinition["options"] = {}): DagDefinition {
  const tasks = new Map<string, TaskDefinition>();
  for (const [taskId, downstream] of Object.entries(edges)) {
    tasks.set(taskId, { taskId, kind: "empty", options, upstreamIds: new Set(), downstreamIds: new Set(downstream) });
  }
  return { dagId, options: {}, tasks };
}

describe("options", () => {
  test("fills every default for a bare task", () => {
    const d = dag("etl");
    d.bash("a", "echo a");
    const [task] = serializeDag(d, FILE, ctx).tasks;
    assert.deepEqual(task, {
      taskId: "a", kind: "bash", command: "echo a", upstream: [], downstream: [],
      executor: null, executorSource: "default", queue: "default", pool: "default_pool", poolSlots: 1,
      priorityWeight: 1, weightRule: "downstream", effectivePriorityWeight: 1, retries: 0, retryDelay: 300,
      retryExponentialBackoff: false, maxRetryDelay: 86400, triggerRule: "all_success", executorConfig: {},
      maxActiveTisPerDag: null, maxActiveTisPerDagrun: null, timeout: null, env: {},
    });
  });

  test("DAG defaults apply under the task's own options, and executorSource says where the executor came from", () => {
    const d = dag("etl", { defaults: { executor: "SequentialExecutor", retries: 2, queue: "io", env: { A: "1" } } });
    d.empty("uses_defaults");
    d.empty("own", { executor: "fast", retries: 0, env: { B: "2" } });
    d.empty("unset", { executor: undefined });
    const t = byId(serializeDag(d, FILE, ctx));
    assert.deepEqual([t.uses_defaults!.executor, t.uses_defaults!.executorSource, t.uses_defaults!.retries, t.uses_defaults!.queue], ["SequentialExecutor", "dag_default", 2, "io"]);
    assert.deepEqual([t.own!.executor, t.own!.executorSource, t.own!.retries, t.own!.env], ["fast", "task", 0, { B: "2" }]);
    assert.deepEqual([t.unset!.executor, t.unset!.executorSource], ["SequentialExecutor", "dag_default"]);
  });

  test("DAG-level fields are serialized, dates as ISO-8601", () => {
    const d = dag("etl", { schedule: "@daily", startDate: "2026-01-01", catchup: true, maxActiveRuns: 2, tags: ["x"], description: "d" });
    const s = serializeDag(d, FILE, ctx);
    assert.deepEqual(
      [s.dagId, s.fileloc, s.schedule, s.startDate, s.endDate, s.catchup, s.maxActiveRuns, s.maxActiveTasks, s.tags, s.description, s.isPausedUponCreation],
      ["etl", FILE, "@daily", "2026-01-01T00:00:00.000Z", null, true, 2, null, ["x"], "d", false],
    );
  });

  test("tasks come in topological order with upstream and downstream lists", () => {
    const d = dag("etl");
    const report = d.empty("report");
    const load = d.empty("load");
    const extract = d.empty("extract");
    chain(extract, load, report);
    const s = serializeDag(d, FILE, ctx);
    assert.deepEqual(s.tasks.map((t) => t.taskId), ["extract", "load", "report"]);
    assert.deepEqual([byId(s).load!.upstream, byId(s).load!.downstream], [["extract"], ["report"]]);
  });
});

describe("effective priority weight", () => {
  // a(1) -> b(2) -> d(8); a -> c(4) -> d: diamond, so d is counted once for a.
  function diamond(weightRule: "downstream" | "upstream" | "absolute") {
    const d = dag("w", { defaults: { weightRule } });
    const a = d.empty("a", { priorityWeight: 1 });
    const b = d.empty("b", { priorityWeight: 2 });
    const c = d.empty("c", { priorityWeight: 4 });
    const e = d.empty("d", { priorityWeight: 8 });
    chain(a, [b, c], e);
    const t = byId(serializeDag(d, FILE, ctx));
    return Object.fromEntries(Object.entries(t).map(([id, task]) => [id, task.effectivePriorityWeight]));
  }
  test("downstream: own + every transitive downstream task once", () => assert.deepEqual(diamond("downstream"), { a: 15, b: 10, c: 12, d: 8 }));
  test("upstream: own + every transitive upstream task once", () => assert.deepEqual(diamond("upstream"), { a: 1, b: 3, c: 5, d: 15 }));
  test("absolute: own weight only", () => assert.deepEqual(diamond("absolute"), { a: 1, b: 2, c: 4, d: 8 }));
  test("rules mix per task; relatives count their own weight, not their effective one", () => {
    const d = dag("mix");
    const a = d.empty("a", { priorityWeight: 5, weightRule: "absolute" });
    const b = d.empty("b", { priorityWeight: 3 });
    const c = d.empty("c", { priorityWeight: 10, weightRule: "upstream" });
    chain(a, b, c);
    const t = byId(serializeDag(d, FILE, ctx));
    assert.deepEqual([t.a!.effectivePriorityWeight, t.b!.effectivePriorityWeight, t.c!.effectivePriorityWeight], [5, 13, 18]);
  });
});

describe("validation errors", () => {
  test("a cycle names its tasks in order", () => {
    const error = validationError(handMade("loop", { a: ["b"], b: ["c"], c: ["a"], z: [] }));
    assert.match(error.message, /^DAG 'loop' \(file \/dags\/etl\.ts\): cycle: a -> b -> c -> a;/);
  });

  test("an unknown executor names the file, task, DAG and the configured executors", () => {
    const d = dag("etl");
    d.empty("train", { executor: "gpu" });
    const error = validationError(d);
    assert.equal(
      error.message,
      "Task 'train' in DAG 'etl' (file /dags/etl.ts) specifies executor 'gpu', which is not configured; " +
        "configured executors: LocalExecutor, SequentialExecutor, fast (LocalExecutor)",
    );
  });

  test("an executor is found by alias or class name", () => {
    const d = dag("etl");
    d.empty("a", { executor: "fast" });
    d.empty("b", { executor: "SequentialExecutor" });
    d.empty("c", { executor: "LocalExecutor" });
    assert.equal(serializeDag(d, FILE, ctx).tasks.length, 3);
  });

  test("an unknown executor in defaults is reported once, for the DAG", () => {
    const d = dag("etl", { defaults: { executor: "k8s" } });
    d.empty("a");
    d.empty("b");
    assert.match(validationError(d).message, /^DAG 'etl' \(file \/dags\/etl\.ts\) sets defaults\.executor 'k8s', which is not configured; configured executors: /);
    assert.equal(validationError(d).problems.length, 1);
  });

  test("options of a DAG made without the builder are checked too", () => {
    const bad = handMade("raw", { a: [] }, { poolSlots: 0 });
    (bad.options as Record<string, unknown>).maxActiveTasks = 1.5;
    (bad.options as Record<string, unknown>).schedule = "sometimes";
    const error = validationError(bad);
    assert.match(error.message, /Task 'a' in DAG 'raw' \(file \/dags\/etl\.ts\): option 'poolSlots' must be an integer >= 1/);
    assert.match(error.message, /'maxActiveTasks' must be an integer >= 1, got 1\.5/);
    assert.match(error.message, /schedule 'sometimes' is not valid/);
  });

  test("an edge to a task that does not exist is reported", () => {
    assert.match(validationError(handMade("raw", { a: ["ghost"] })).message, /Task 'a' in DAG 'raw' .*depends on 'ghost', which is not a task of this DAG/);
  });
});
