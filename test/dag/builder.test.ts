import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TRIGGER_RULES } from "../../src/common/states.js";
import { chain, dag } from "../../src/dag/builder.js";
import { isDagDefinition } from "../../src/dag/brand.js";
import { DagDefinitionError } from "../../src/dag/errors.js";
import { TASK_OPTION_NAMES, type TaskOptions } from "../../src/dag/types.js";

function throwsDefinition(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof DagDefinitionError, `expected DagDefinitionError, got ${String(error)}`);
    assert.equal(error.code, "DAG_DEFINITION");
    assert.match(error.message, pattern);
    return true;
  });
}

function edges(d: ReturnType<typeof dag>): string[] {
  return [...d.tasks.values()].flatMap((t) => [...t.downstreamIds].map((down) => `${t.taskId}->${down}`)).sort();
}

describe("dag ids and task ids", () => {
  test("accepts letters, digits, _ . - up to 250 characters", () => {
    const d = dag("etl_v1.2-daily");
    d.empty("A.b-c_9");
    d.empty("x".repeat(250));
    assert.equal(d.tasks.size, 2);
  });

  for (const bad of ["", "has space", "slash/y", "ü", "x".repeat(251)]) {
    test(`rejects DAG id ${JSON.stringify(bad.slice(0, 20))}`, () => {
      throwsDefinition(() => dag(bad), /DAG id .*invalid.*A-Z a-z 0-9 _ \. -/);
    });
    test(`rejects task id ${JSON.stringify(bad.slice(0, 20))} naming the DAG`, () => {
      throwsDefinition(() => dag("etl").empty(bad), /^DAG 'etl': task id .*invalid/);
    });
  }

  test("rejects a duplicate task id", () => {
    const d = dag("etl");
    d.bash("extract", "echo 1");
    throwsDefinition(() => d.fn("extract", () => 1), /DAG 'etl': task id 'extract' is already used/);
  });
});

describe("task options", () => {
  test("an unknown option lists every valid option", () => {
    const error = captureDefinitionError(() => dag("etl").bash("a", "true", { retry: 3 } as TaskOptions));
    assert.match(error.message, /DAG 'etl': task 'a': unknown option 'retry'/);
    for (const name of TASK_OPTION_NAMES) assert.ok(error.message.includes(name), `message lists ${name}`);
    assert.equal(error.taskId, "a");
    assert.equal(error.dagId, "etl");
  });

  const cases: Array<[string, TaskOptions, RegExp]> = [
    ["poolSlots 0", { poolSlots: 0 }, /'poolSlots' must be an integer >= 1, got 0/],
    ["poolSlots 1.5", { poolSlots: 1.5 }, /'poolSlots' must be an integer >= 1/],
    ["retries -1", { retries: -1 }, /'retries' must be an integer >= 0, got -1/],
    ["retries as string", { retries: "2" as unknown as number }, /'retries' must be an integer >= 0, got "2"/],
    ["retryDelay -5", { retryDelay: -5 }, /'retryDelay' must be a number of seconds >= 0/],
    ["timeout 0", { timeout: 0 }, /'timeout' must be a number of seconds > 0, got 0/],
    ["timeout NaN", { timeout: Number.NaN }, /'timeout' must be a number of seconds > 0/],
    ["priorityWeight 1.5", { priorityWeight: 1.5 }, /'priorityWeight' must be an integer/],
    ["weightRule", { weightRule: "heaviest" as never }, /'weightRule' must be one of downstream, upstream, absolute, got "heaviest"/],
    ["env number value", { env: { A: 1 as unknown as string } }, /'env' must map names to strings, but 'A' is 1/],
    ["executorConfig array", { executorConfig: [] as never }, /'executorConfig' must be a plain object, got an array/],
    ["executor empty", { executor: "" }, /'executor' must be a non-empty string/],
    ["retryExponentialBackoff", { retryExponentialBackoff: "yes" as never }, /must be true or false/],
    ["maxActiveTisPerDag 0", { maxActiveTisPerDag: 0 }, /'maxActiveTisPerDag' must be an integer >= 1/],
  ];
  for (const [name, options, pattern] of cases) {
    test(`rejects ${name}`, () => throwsDefinition(() => dag("etl").bash("t", "true", options), pattern));
  }

  test("an unknown trigger rule lists all twelve", () => {
    const error = captureDefinitionError(() => dag("etl").empty("t", { triggerRule: "all_succeeded" as never }));
    assert.equal(TRIGGER_RULES.length, 12);
    for (const rule of TRIGGER_RULES) assert.ok(error.message.includes(rule), `message lists ${rule}`);
  });

  test("undefined values count as unset", () => {
    const t = dag("etl").empty("t", { executor: undefined, retries: undefined });
    assert.equal(t.options.executor, undefined);
  });

  test("bash needs a command and fn a function", () => {
    throwsDefinition(() => dag("etl").bash("t", ""), /bash task 't' needs a non-empty command/);
    throwsDefinition(() => dag("etl").fn("t", "echo" as never), /fn task 't' needs a function, got "echo"/);
  });
});

describe("DAG options", () => {
  test("an unknown key lists the valid ones", () => {
    throwsDefinition(() => dag("etl", { scheduleInterval: "@daily" } as never), /DAG 'etl': unknown DAG option 'scheduleInterval'; valid DAG options: schedule, startDate/);
  });
  test("junk schedule names the valid forms", () => {
    throwsDefinition(() => dag("etl", { schedule: "every day", startDate: "2026-01-01" }), /schedule 'every day' is not valid.*5 fields.*@daily.*null/);
  });
  test("a schedule needs a startDate", () => {
    throwsDefinition(() => dag("etl", { schedule: "@daily" }), /schedule '@daily' needs a startDate/);
  });
  test("defaults are checked like task options", () => {
    throwsDefinition(() => dag("etl", { defaults: { retries: -1 } }), /defaults: option 'retries' must be an integer >= 0/);
  });
  test("maxActiveRuns must be an integer >= 1", () => {
    throwsDefinition(() => dag("etl", { maxActiveRuns: 0 }), /'maxActiveRuns' must be an integer >= 1, got 0/);
  });
  test("an unparsable startDate says which forms work", () => {
    throwsDefinition(() => dag("etl", { schedule: "@daily", startDate: "01/02/2026" }), /'startDate' "01\/02\/2026" is not a valid date; use an ISO-8601/);
  });
});

describe("dependencies", () => {
  test("then returns its last argument, so calls chain", () => {
    const d = dag("etl");
    const a = d.empty("a");
    const b = d.empty("b");
    const c = d.empty("c");
    const e = d.empty("e");
    assert.equal(a.then(b, c).then(e), e);
    assert.deepEqual(edges(d), ["a->b", "a->c", "c->e"]);
    assert.deepEqual([...e.upstreamIds], ["c"]);
  });

  test("after makes the given tasks upstream and returns the task", () => {
    const d = dag("etl");
    const a = d.empty("a");
    const b = d.empty("b");
    const c = d.empty("c");
    assert.equal(c.after(a, b), c);
    assert.deepEqual(edges(d), ["a->c", "b->c"]);
  });

  test("chain links tasks, fans out to and in from lists, and pairs equal lists", () => {
    const d = dag("etl");
    const [s, x1, x2, y1, y2, end] = ["s", "x1", "x2", "y1", "y2", "end"].map((id) => d.empty(id));
    chain(s!, [x1!, x2!], [y1!, y2!], end!);
    assert.deepEqual(edges(d), ["s->x1", "s->x2", "x1->y1", "x2->y2", "y1->end", "y2->end"]);
  });

  test("chain rejects consecutive lists of different lengths", () => {
    const d = dag("etl");
    const [a, b, c] = ["a", "b", "c"].map((id) => d.empty(id));
    throwsDefinition(() => chain([a!, b!], [c!]), /lists at positions 1 and 2 have different lengths \(2 and 1\)/);
  });

  test("linking tasks of different DAGs is an error", () => {
    const one = dag("one").empty("a");
    const two = dag("two").empty("b");
    throwsDefinition(() => one.then(two), /task 'b' belongs to DAG 'two'; tasks can only depend on tasks of the same DAG/);
    assert.equal(one.downstreamIds.size, 0);
  });

  test("a link that closes a cycle names the tasks in it and is not recorded", () => {
    const d = dag("etl");
    const [a, b, c] = ["a", "b", "c"].map((id) => d.empty(id));
    chain(a!, b!, c!);
    throwsDefinition(() => c!.then(a!), /DAG 'etl': cycle: c -> a -> b -> c/);
    throwsDefinition(() => a!.then(a!), /cycle: a -> a/);
    assert.deepEqual(edges(d), ["a->b", "b->c"]);
  });

  test("linking twice is harmless", () => {
    const d = dag("etl");
    const a = d.empty("a");
    const b = d.empty("b");
    a.then(b);
    b.after(a);
    assert.deepEqual(edges(d), ["a->b"]);
  });
});

test("DAGs carry the registered brand, plain look-alikes do not", () => {
  const d = dag("etl");
  assert.equal((d as unknown as Record<symbol, unknown>)[Symbol.for("switchyard.dag")], true);
  assert.ok(isDagDefinition(d));
  assert.ok(!isDagDefinition({ dagId: "x", options: {}, tasks: new Map() }));
});

function captureDefinitionError(fn: () => unknown): DagDefinitionError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof DagDefinitionError);
    return error;
  }
  assert.fail("expected a DagDefinitionError");
}
