import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { Home, TEST_DB, eventually } from "../support/home.js";

/**
 * A scheduler hears of commits by other processes on either backend (SQLite: the WAL file;
 * PostgreSQL: LISTEN/NOTIFY from the store's triggers) — without it, a try recorded by
 * `tasks run` would leave the run waiting forever.
 */
describe(`a running scheduler notices what other processes commit (${TEST_DB})`, () => {
  let home: Home;
  afterEach(() => home?.cleanup());

  it("moves a run on when `tasks run` records a try the scheduler did not queue", async () => {
    home = new Home({
      toml: `[core]\nexecutor = "LocalExecutor"\n`,
      dags: {
        "d.ts": `import { dag } from "@switchyard/core";\nconst d = dag("d");\nconst a = d.bash("a", "true", { pool: "closed" });\nconst b = d.bash("b", "true");\na.then(b);\nexport default d;\n`,
      },
    });
    await home.ok(["db", "init"]);
    await home.ok(["pools", "set", "closed", "0"]); // the scheduler never queues a itself
    await home.ok(["dags", "trigger", "d", "--run-id", "r1"]);
    // Not --exit-when-idle: a waiting on a closed pool is waiting on outside action, which would end that at once.
    const scheduler = home.spawn(["scheduler"]);
    await eventually("a to be scheduled", async () => (await home.states("d", "r1")).find((s) => s.taskId === "a" && s.state === "scheduled"));
    await home.ok(["tasks", "run", "d", "a", "r1"]);
    const finished = await eventually("the run to finish", async () => ((await home.ok(["dags", "state", "d", "r1"])).trim() === "success" ? true : undefined), 15_000).catch(() => false);
    const states = (await home.states("d", "r1")).map((s) => [s.taskId, s.state]);
    assert.ok(finished, `the scheduler never noticed a's success: ${JSON.stringify(states)}`);
    scheduler.child.kill("SIGTERM");
    assert.equal((await scheduler.done).code, 0);
    assert.deepEqual(states, [
      ["a", "success"],
      ["b", "success"],
    ]);
    assert.equal((await home.ok(["dags", "state", "d", "r1"])).trim(), "success");
  });
});
