import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { ExecutorConfigError } from "../../src/config/errors.js";
import { collectDagBag } from "../../src/dag/dagbag.js";
import { parseDagBagIsolated } from "../../src/dag/dagbag-isolated.js";
import type { DagBagResult } from "../../src/dag/types.js";
import { QUICKSTART_EXECUTORS, quickstartExecutorNames, tempDir, writeFiles } from "./support.js";

const simpleDag = (dagId: string, extra = "") => `import { dag } from "@switchyard/core";\nconst d = dag("${dagId}");\nd.bash("hello", "echo hello");\n${extra}\nexport default d;\n`;

/** A dags folder with one file of each kind of problem next to good ones. */
const MIXED_FOLDER = {
  "good.ts": simpleDag("good"),
  "nested/deeper/sub.ts": simpleDag("nested_one"),
  "throws.ts": `import { dag } from "@switchyard/core";\nthrow new Error("the database is not reachable");\nexport default dag("never");\n`,
  "cycle.ts": `import { dag } from "@switchyard/core";\nconst d = dag("cyclic");\nconst a = d.empty("a");\nconst b = d.empty("b");\na.then(b);\nb.then(a);\nexport default d;\n`,
  "later_duplicate.ts": simpleDag("good"),
  "unknown_executor.ts": `import { dag } from "@switchyard/core";\nconst d = dag("routes");\nd.bash("train", "true", { executor: "gpu" });\nexport default d;\n`,
  "not_a_dag.ts": "export const helper = 1;\n",
  "types.d.ts": "export declare const x: number;\n",
  "node_modules/pkg/index.js": `throw new Error("must not be imported");\n`,
  ".hidden/x.ts": `throw new Error("must not be imported");\n`,
  "README.md": "not a module\n",
};

function errorFor(bag: DagBagResult, file: string): string {
  const matching = bag.errors.filter((e) => e.filename === file);
  assert.equal(matching.length, 1, `expected one import error for ${file}, got ${JSON.stringify(bag.errors, null, 2)}`);
  return matching[0]!.message;
}

function checkMixedFolder(bag: DagBagResult, dir: string): void {
  const at = (name: string) => join(dir, name);
  // good.ts and later_duplicate.ts both define 'good': neither wins.
  assert.deepEqual(bag.dags.map((d) => d.dagId).sort(), ["nested_one"]);
  assert.deepEqual(
    [...bag.files].sort(),
    ["cycle.ts", "good.ts", "later_duplicate.ts", "nested/deeper/sub.ts", "not_a_dag.ts", "throws.ts", "unknown_executor.ts"].map(at).sort(),
  );
  assert.match(errorFor(bag, at("throws.ts")), /^Error: the database is not reachable/);
  assert.match(errorFor(bag, at("cycle.ts")), /DAG 'cyclic': cycle: b -> a -> b/);
  const clash = `DAG id 'good' is defined by more than one file: ${at("good.ts")}, ${at("later_duplicate.ts")}`;
  assert.ok(errorFor(bag, at("good.ts")).startsWith(clash), errorFor(bag, at("good.ts")));
  assert.ok(errorFor(bag, at("later_duplicate.ts")).startsWith(clash));
  assert.equal(
    errorFor(bag, at("unknown_executor.ts")),
    `Task 'train' in DAG 'routes' (file ${at("unknown_executor.ts")}) specifies executor 'gpu', which is not configured; ` +
      "configured executors: LocalExecutor, SequentialExecutor, fast (LocalExecutor)",
  );
  assert.equal(bag.errors.length, 5);
}

describe("collectDagBag (in process)", () => {
  test("bad files become import errors of their own; the good ones load", async (t) => {
    const dir = tempDir(t);
    writeFiles(dir, MIXED_FOLDER);
    checkMixedFolder(await collectDagBag({ folder: dir, executorNames: quickstartExecutorNames() }), dir);
  });

  test("the import error points at the line of the DAG file that threw", async (t) => {
    const dir = tempDir(t);
    const files = writeFiles(dir, { "bad.ts": `import { dag } from "@switchyard/core";\n\nconst d = dag("bad");\nd.bash("t", "true", { poolSlots: 0 });\nexport default d;\n` });
    const bag = await collectDagBag({ folder: dir, executorNames: quickstartExecutorNames() });
    assert.match(errorFor(bag, files["bad.ts"]!), /^DagDefinitionError: DAG 'bad': task 't': option 'poolSlots' must be an integer >= 1, got 0\n {2}at .*bad\.ts:4:\d+$/);
  });

  test("extra folders are parsed too, and a missing folder is reported, not thrown", async (t) => {
    const dir = tempDir(t);
    const extra = tempDir(t);
    writeFiles(extra, { "x.ts": simpleDag("from_extra") });
    const missing = join(dir, "no-such-dags");
    const bag = await collectDagBag({ folder: missing, extraFolders: [extra], executorNames: quickstartExecutorNames() });
    assert.deepEqual(bag.dags.map((d) => d.dagId), ["from_extra"]);
    assert.deepEqual(bag.errors, []);
    assert.deepEqual(bag.missingFolders, [missing]);
  });
});

describe("parseDagBagIsolated (child process)", () => {
  test("same results as in process, for the same folder", async (t) => {
    const dir = tempDir(t);
    writeFiles(dir, MIXED_FOLDER);
    const bag = await parseDagBagIsolated({ folder: dir, executorEntries: QUICKSTART_EXECUTORS, home: dir, timeoutSeconds: 30, defaultQueue: "io" });
    checkMixedFolder(bag, dir);
    // [core] default_queue reaches the child.
    assert.equal(bag.dags.find((d) => d.dagId === "nested_one")!.tasks[0]!.queue, "io");
  });

  test("a file that exits the process or never finishes costs only its own import error", async (t) => {
    const dir = tempDir(t);
    const files = writeFiles(dir, {
      "a_good.ts": simpleDag("a_good"),
      "b_exits.ts": `import { dag } from "@switchyard/core";\nconsole.error("about to exit");\nprocess.exit(1);\nexport default dag("exits");\n`,
      "c_after_exit.ts": simpleDag("c_after_exit"),
      "d_spins.ts": `import { dag } from "@switchyard/core";\nwhile (Date.now() > 0) {}\nexport default dag("spins");\n`,
      "e_waits.ts": `import { dag } from "@switchyard/core";\nawait new Promise(() => {});\nexport default dag("waits");\n`,
      "f_last.ts": simpleDag("a_good"),
    });
    const bag = await parseDagBagIsolated({ folder: dir, executorEntries: QUICKSTART_EXECUTORS, home: dir, timeoutSeconds: 1 });
    assert.deepEqual(bag.dags.map((d) => d.dagId), ["c_after_exit"]);
    assert.match(errorFor(bag, files["b_exits.ts"]!), /exited with code 1 while importing .*b_exits\.ts; the file was skipped[\s\S]*about to exit/);
    assert.match(errorFor(bag, files["d_spins.ts"]!), /^DAG parsing timed out after 1s while importing .*d_spins\.ts/);
    assert.match(errorFor(bag, files["e_waits.ts"]!), /^DAG parsing timed out after 1s while importing .*e_waits\.ts/);
    // DAG ids stay unique across the restarted children.
    assert.match(errorFor(bag, files["f_last.ts"]!), /DAG id 'a_good' is defined by more than one file: .*a_good\.ts, .*f_last\.ts/);
    assert.match(errorFor(bag, files["a_good.ts"]!), /DAG id 'a_good' is defined by more than one file/);
    assert.equal(bag.errors.length, 5);
  });

  test("an invalid [core] executor is a configuration error, thrown", async (t) => {
    const dir = tempDir(t);
    await assert.rejects(parseDagBagIsolated({ folder: dir, executorEntries: ["CeleryExecutor"], home: dir, timeoutSeconds: 5 }), ExecutorConfigError);
  });
});
