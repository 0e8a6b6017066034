import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { BUILTIN_EXECUTOR_TABLE, BUILTIN_EXECUTORS, builtinExecutor, type BuiltinExecutorEntry } from "../../src/config/builtin-executors.js";
import { loadConfig } from "../../src/config/load.js";
import { isExecutorClass } from "../../src/executors/brand.js";
import { ROOT } from "../support/home.js";
import { makeHome } from "./helpers.js";

/** The class names in the "Built-in executors" table of docs/executors/README.md. */
function documentedBuiltins(): string[] {
  const text = readFileSync(join(ROOT, "docs", "executors", "README.md"), "utf8");
  const section = text.slice(text.indexOf("## Built-in executors"), text.indexOf("\n## ", text.indexOf("## Built-in executors") + 1));
  return [...section.matchAll(/^\| \[`(\w+)`\]\((\S+?\.md)\)/gm)].map((m) => m[1]!);
}

describe("the built-in executor table", () => {
  for (const name of BUILTIN_EXECUTORS) {
    it(`${name}: its loader gives the executor class of that name`, async () => {
      const cls = await BUILTIN_EXECUTOR_TABLE[name].loadClass();
      assert.ok(isExecutorClass(cls), `${name}'s loader gave something that is not an executor class`);
      assert.equal(cls.name, name);
    });

    it(`${name}: its settings compile an empty section with every default filled in`, async () => {
      const config = loadConfig({ home: makeHome(), env: {} });
      const entry: BuiltinExecutorEntry = BUILTIN_EXECUTOR_TABLE[name];
      const settings = (await entry.loadSettings())({}, name, config) as Record<string, unknown>;
      // A hybrid's parallelism is its non-Kubernetes side's (seed 001), set in that side's sub-table.
      const side = (settings.local ?? settings.bullmq ?? settings) as Record<string, unknown>;
      assert.equal(typeof side.parallelism, "number", `${name}: ${JSON.stringify(settings)}`);
      assert.ok(Object.values(settings).every((v) => v !== undefined), `${name} left a default unset: ${JSON.stringify(settings)}`);
    });

    it(`${name}: has a one-line description`, () => {
      const { description } = BUILTIN_EXECUTOR_TABLE[name];
      assert.ok(description.length > 0 && !description.includes("\n"), JSON.stringify(description));
    });
  }

  it("is what docs/executors/README.md lists as built-in, in the same order", () => {
    assert.deepEqual(documentedBuiltins(), [...BUILTIN_EXECUTORS]);
  });

  it("answers only for built-in class names, not for inherited properties or other executors", () => {
    assert.equal(builtinExecutor("LocalExecutor"), BUILTIN_EXECUTOR_TABLE.LocalExecutor);
    for (const other of ["toString", "constructor", "CeleryExecutor", "localexecutor"]) assert.equal(builtinExecutor(other), undefined, other);
  });
});
