import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { Home, TEST_DB } from "../support/home.js";

describe(`tasks run checks dependencies (${TEST_DB})`, () => {
  let home: Home;
  afterEach(() => home?.cleanup());

  it("refuses a task whose upstream has not succeeded, naming it, and runs it with -i", async () => {
    home = new Home({
      toml: `[core]\nexecutor = "LocalExecutor"\n`,
      dags: {
        "d.ts": `import { dag } from "@switchyard/core";\nconst d = dag("deps");\nconst a = d.bash("a", "exit 1");\nconst b = d.bash("b", "true");\nconst c = d.bash("c", "true", { triggerRule: "all_done" });\na.then(b);\na.then(c);\nexport default d;\n`,
      },
    });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "deps", "--run-id", "r1"]);
    const refused = await home.run(["tasks", "run", "deps", "b", "r1"]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /deps\.b in run r1: trigger rule all_success is not met: upstream a is none/);
    assert.match(refused.stderr, /-i\/--ignore-dependencies/);
    assert.equal((await home.states("deps", "r1")).find((s) => s.taskId === "b")!.tryNumber, 0, "nothing was written");

    // a fails: b's all_success can never be met, c's all_done is.
    assert.equal((await home.run(["tasks", "run", "deps", "a", "r1"])).code, 1);
    const stillRefused = await home.run(["tasks", "run", "deps", "b", "r1"]);
    assert.equal(stillRefused.code, 1);
    assert.match(stillRefused.stderr, /trigger rule all_success is not met \(the scheduler would mark it upstream_failed\): upstream a is failed/);
    assert.equal((await home.run(["tasks", "run", "deps", "c", "r1"])).code, 0);

    const forced = await home.run(["tasks", "run", "deps", "b", "r1", "-i"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal((await home.states("deps", "r1")).find((s) => s.taskId === "b")!.state, "success");
  });
});
