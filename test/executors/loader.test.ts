import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { loadConfig } from "../../src/config/load.js";
import {
  ExecutorExportMissingError,
  ExecutorInitError,
  ExecutorModuleLoadError,
  ExecutorNotAClassError,
  ExecutorOptionsError,
} from "../../src/executors/errors.js";
import { LocalExecutor } from "../../src/executors/local.js";
import { loadExecutors } from "../../src/executors/loader.js";
import { SequentialExecutor } from "../../src/executors/sequential.js";
import { Driver, FIXTURES, tempDir, workload } from "./helpers.js";

/** A config read from a switchyard.toml written to a fresh home. */
async function configWith(t: TestContext, toml: string) {
  const home = await tempDir(t);
  await writeFile(join(home, "switchyard.toml"), toml);
  return { home, config: loadConfig({ home, env: {} }) };
}

/** `./…` path from `home` to a fixture module, as a config entry writes it. */
function fixture(home: string, file: string): string {
  return `./${relative(home, join(FIXTURES, file))}`;
}

describe("loadExecutors", () => {
  it("creates the built-ins, the first as default, each with its own section", async (t) => {
    const { config } = await configWith(
      t,
      `[core]\nexecutor = "SequentialExecutor,fast:LocalExecutor"\nparallelism = 7\n[executors.fast]\nparallelism = 3\n`,
    );
    const set = await loadExecutors(config);
    assert.equal(set.all.length, 2);
    assert.ok(set.default instanceof SequentialExecutor);
    assert.equal(set.lookup(null), set.default);
    const fast = set.lookup("fast");
    assert.ok(fast instanceof LocalExecutor);
    assert.equal(fast.parallelism, 3);
    assert.equal(fast.name.name, "fast");
    assert.equal(set.lookup("LocalExecutor"), fast, "by class name");
    assert.equal(set.lookup("SequentialExecutor"), set.default);
    assert.equal(set.lookup("missing"), undefined);
    assert.deepEqual(set.names.map((n) => n.name), ["SequentialExecutor", "fast"]);
  });

  it("uses [core] parallelism for a LocalExecutor without its own", async (t) => {
    const { config } = await configWith(t, `[core]\nexecutor = "LocalExecutor"\nparallelism = 5\n`);
    assert.equal((await loadExecutors(config)).default.parallelism, 5);
  });

  it("loads a custom executor from alias:./path#Export and runs a try through it", async (t) => {
    const home = await tempDir(t);
    const entry = `inline:${fixture(home, "inline-executor.ts")}#InlineExecutor`;
    // The suite's workloads name their files relative to the filesystem root (helpers.ts TEST_FOLDERS).
    await writeFile(join(home, "switchyard.toml"), `[core]\nexecutor = "LocalExecutor,${entry}"\ndags_folder = "/"\n[logging]\nbase_log_folder = "/"\n[executors.inline]\nparallelism = 2\nlabel = "mine"\n`);
    const set = await loadExecutors(loadConfig({ home, env: {} }));
    const inline = set.lookup("inline")!;
    assert.equal(inline.constructor.name, "InlineExecutor");
    assert.equal(inline.parallelism, 2);
    assert.equal(set.lookup(fixture(home, "inline-executor.ts")), inline, "by module path");
    assert.equal(set.lookup("InlineExecutor"), inline, "by class name");
    const driver = new Driver(inline);
    t.after(() => driver.close());
    const w = workload(home, { taskId: "ret" });
    inline.queueWorkload(w);
    const end = await driver.terminal(w);
    assert.equal(end.state, "success", end.info.error);
    assert.deepEqual(end.info.returnValue, { rows: 42, at: "1970-01-01T00:00:00.000Z" });
    assert.equal(driver.of(w)[0]!.info.externalExecutorId, "mine");
  });

  it("reports a module that throws on import, with the module's own error line", async (t) => {
    const home = await tempDir(t);
    const path = fixture(home, "throwing-executor.ts");
    await writeFile(join(home, "switchyard.toml"), `[core]\nexecutor = "bad:${path}#X"\n`);
    await assert.rejects(loadExecutors(loadConfig({ home, env: {} })), (error: unknown) => {
      assert.ok(error instanceof ExecutorModuleLoadError);
      assert.equal(error.code, "EXECUTOR_MODULE_LOAD");
      assert.equal(error.executor, "bad");
      assert.match(error.message, /^\[core\] executor entry "bad:.*throwing-executor\.ts#X": module .*throwing-executor\.ts \(\/.*\) could not be loaded: this executor module is broken on purpose$/);
      return true;
    });
  });

  it("reports a module path that does not exist", async (t) => {
    const { config } = await configWith(t, `[core]\nexecutor = "gone:./nowhere/executor.js#Gone"\n`);
    await assert.rejects(loadExecutors(config), (error: unknown) => {
      assert.ok(error instanceof ExecutorModuleLoadError);
      assert.match(error.message, /module \.\/nowhere\/executor\.js \(.*\/nowhere\/executor\.js\) could not be loaded: .*(Cannot find|not find)/);
      return true;
    });
  });

  it("reports a missing export, listing the module's exports and its executor classes", async (t) => {
    const home = await tempDir(t);
    await writeFile(join(home, "switchyard.toml"), `[core]\nexecutor = "x:${fixture(home, "inline-executor.ts")}#Nope"\n`);
    await assert.rejects(loadExecutors(loadConfig({ home, env: {} })), (error: unknown) => {
      assert.ok(error instanceof ExecutorExportMissingError);
      assert.equal(error.exportName, "Nope");
      assert.deepEqual([...error.availableExports].sort(), ["InlineExecutor", "notAFunction", "notAnExecutor", "someFunction"]);
      assert.match(error.message, /has no export "Nope"; its exports: .*InlineExecutor.*; executor classes in it: InlineExecutor \(write #InlineExecutor\)$/);
      return true;
    });
  });

  it("reports an export that is not an executor class, saying what it is", async (t) => {
    const home = await tempDir(t);
    const cases: Array<[string, string]> = [
      ["notAnExecutor", "a class that does not extend BaseExecutor"],
      ["someFunction", "a function"],
      ["notAFunction", "a number"],
    ];
    for (const [name, what] of cases) {
      await writeFile(join(home, "switchyard.toml"), `[core]\nexecutor = "x:${fixture(home, "inline-executor.ts")}#${name}"\n`);
      await assert.rejects(loadExecutors(loadConfig({ home, env: {} })), (error: unknown) => {
        assert.ok(error instanceof ExecutorNotAClassError);
        assert.ok(error.message.includes(`export "${name}" of `), error.message);
        assert.ok(error.message.includes(`is ${what}, not an executor class; export a class that extends BaseExecutor from "@switchyard/core"`), error.message);
        return true;
      });
    }
  });

  it("rejects bad executor options, naming [executors.<name>] and the key", async (t) => {
    const cases: Array<[string, RegExp]> = [
      [`[core]\nexecutor = "LocalExecutor"\n[executors.LocalExecutor]\nisolation = "thread"\n`, /^\[executors\.LocalExecutor\] isolation: must be one of "warm", "process" \(got "thread"\)$/],
      [`[core]\nexecutor = "fast:LocalExecutor"\n[executors.fast]\nworkers = 3\n`, /^\[executors\.fast\] 'workers': unknown key; valid keys: parallelism, isolation, runners, runner_heartbeat_timeout$/],
      [`[core]\nexecutor = "fast:LocalExecutor"\n[executors.fast]\nparallelism = -1\n`, /^\[executors\.fast\] parallelism: must be an integer >= 1/],
      [`[core]\nexecutor = "SequentialExecutor"\n[executors.SequentialExecutor]\nparallelism = 2\n`, /^\[executors\.SequentialExecutor\] parallelism: must be 1/],
    ];
    for (const [toml, message] of cases) {
      const { config } = await configWith(t, toml);
      await assert.rejects(loadExecutors(config), (error: unknown) => error instanceof ExecutorOptionsError && message.test(error.message));
    }
  });

  it("wraps a constructor that throws a plain error", async (t) => {
    const home = await tempDir(t);
    await writeFile(join(home, "switchyard.toml"), `[core]\nexecutor = "broken:${fixture(home, "failing-constructor-executor.ts")}#FailingConstructorExecutor"\n`);
    await assert.rejects(loadExecutors(loadConfig({ home, env: {} })), (error: unknown) => {
      assert.ok(error instanceof ExecutorInitError);
      assert.match(error.message, /^executor "broken" \(broken:.*\) could not be created: cannot reach the engine$/);
      return true;
    });
  });

  it("refuses an executor built against an older BaseExecutor, naming the methods it lacks", async (t) => {
    const home = await tempDir(t);
    await writeFile(join(home, "switchyard.toml"), `[core]\nexecutor = "old:${fixture(home, "old-contract-executor.ts")}#OldContractExecutor"\n`);
    await assert.rejects(loadExecutors(loadConfig({ home, env: {} })), (error: unknown) => {
      assert.ok(error instanceof ExecutorInitError);
      assert.match(
        error.message,
        /^executor "old" \(old:.*\) lacks heldTries, liveTries, releaseAll, externalIdFor, setJobId of the executor contract: it extends a BaseExecutor from an older @switchyard\/core; build it against this version$/,
      );
      return true;
    });
  });
});
