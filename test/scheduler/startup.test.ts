import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, it } from "node:test";
import { loadConfig } from "../../src/config/load.js";
import { dagsInDatabaseAreCurrent, syncDagsFolder } from "../../src/scheduler/dag-sync.js";
import { openStore, type Store } from "../../src/store/connect.js";
import { Home } from "../support/home.js";

/**
 * A scheduler's start-up (issue 12 item 4). It schedules at once, without waiting for its first
 * parse, only when the DAG files are unchanged since the last parse written to its database
 * (sync-stamp.ts): every other case must say "not current", so that the first pass waits for the
 * parse as before. And it starts its first warm runner before opening the database, so a start that
 * fails there must not leave that runner behind.
 */

const helper = (value: string) => `export const COMMAND = ${JSON.stringify(value)};\n`;
const usesHelper = `import { dag } from "@switchyard/core";
import { COMMAND } from "./lib/helper.ts";
const d = dag("uses_helper", { schedule: null });
d.bash("t", COMMAND);
export default d;
`;
const simple = (taskId: string) => `import { dag } from "@switchyard/core";
const d = dag("simple", { schedule: null });
d.bash(${JSON.stringify(taskId)}, "true");
export default d;
`;

/** Runner processes of `home` still alive (`ps`, then each one's environment). */
function runnerProcesses(home: Home): string[] {
  return execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes("runner-process"))
    .map((line) => line.trim().split(/\s+/)[0]!)
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(`SWITCHYARD_HOME=${home.dir}`);
      } catch {
        return false; // gone meanwhile
      }
    });
}

const homes: Home[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const home of homes.splice(0)) home.cleanup();
});

async function setUp(opts: { toml?: string } = {}): Promise<{ home: Home; store: Store; config: ReturnType<typeof loadConfig> }> {
  const home = new Home({ ...opts, dags: { "simple.ts": simple("a"), "uses_helper.ts": usesHelper } });
  homes.push(home);
  fs.mkdirSync(path.join(home.dagsDir, "lib"));
  home.writeDag("lib/helper.ts", helper("true"));
  await home.ok(["db", "init"]);
  const config = loadConfig({ home: home.dir, env: home.env() });
  const store = await openStore(config.database);
  stores.push(store);
  return { home, store, config };
}

describe("whether the database holds the DAG folder's current parse, told without parsing", () => {
  it("is current after a parse, and no longer once a DAG file or a module it imports changes, until the next parse", async () => {
    const { home, store, config } = await setUp();
    assert.equal(await dagsInDatabaseAreCurrent(store, config), false, "never parsed into this database");
    await syncDagsFolder(store, config);
    assert.equal(await dagsInDatabaseAreCurrent(store, config), true);

    home.writeDag("simple.ts", simple("b"));
    assert.equal(await dagsInDatabaseAreCurrent(store, config), false, "a DAG file changed");
    await syncDagsFolder(store, config);
    assert.equal(await dagsInDatabaseAreCurrent(store, config), true);

    home.writeDag("lib/helper.ts", helper("echo changed"));
    assert.equal(await dagsInDatabaseAreCurrent(store, config), false, "a module a DAG file imports changed");
    await syncDagsFolder(store, config);
    assert.equal(await dagsInDatabaseAreCurrent(store, config), true);

    home.writeDag("another.ts", simple("c").replace('"simple"', '"another"'));
    assert.equal(await dagsInDatabaseAreCurrent(store, config), false, "a DAG file was added");
  });

  it("is never current while a DAG file has an import error", async () => {
    const { home, store, config } = await setUp();
    home.writeDag("broken.ts", `import { dag } from "@switchyard/core";\nthrow new Error("broken at import");\n`);
    const bag = await syncDagsFolder(store, config);
    assert.equal(bag.errors.length, 1);
    assert.equal(await dagsInDatabaseAreCurrent(store, config), false);
  });

  it("is not current for another database, nor without the parse cache", async () => {
    const first = await setUp();
    await syncDagsFolder(first.store, first.config);
    const other = await setUp();
    assert.equal(await dagsInDatabaseAreCurrent(other.store, first.config), false, "another database");

    const uncached = await setUp({ toml: "[core]\ndag_parse_cache = false\n" });
    await syncDagsFolder(uncached.store, uncached.config);
    assert.equal(await dagsInDatabaseAreCurrent(uncached.store, uncached.config), false);
  });
});

describe("a scheduler started on a DAG folder", () => {
  it("schedules a DAG file changed while no scheduler was up as it is now, not as the database last held it", async () => {
    const home = new Home({ dags: { "simple.ts": simple("old_task") } });
    homes.push(home);
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "simple", "--run-id", "r1"]); // parses: the database holds old_task
    home.writeDag("simple.ts", simple("new_task"));
    await home.runSchedulersUntilIdle();
    const states = new Map((await home.states("simple", "r1")).map((s) => [s.taskId, s.state]));
    assert.equal(states.get("new_task"), "success");
    assert.notEqual(states.get("old_task"), "success", "the task the file no longer defines did not run");
  });

  it("that fails to open its database exits with the error and leaves no runner process behind", async () => {
    const home = new Home({ dags: { "simple.ts": simple("a") } });
    homes.push(home);
    const result = await home.run(["scheduler"]); // no db init
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^error: .*(no Switchyard tables|does not exist)/m);
    assert.deepEqual(runnerProcesses(home), []);
  });

  it("on an unchanged, parsed folder runs the waiting run", async () => {
    const home = new Home({ dags: { "simple.ts": simple("a") } });
    homes.push(home);
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "simple", "--run-id", "r1"]);
    await home.runSchedulersUntilIdle();
    assert.deepEqual((await home.states("simple", "r1")).map((s) => [s.taskId, s.state]), [["a", "success"]]);
  });
});
