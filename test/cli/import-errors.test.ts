import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Home } from "../support/home.js";

interface ImportErrorRow {
  filename: string;
  error: string;
}

describe("DAG files with problems become import errors; the other files keep working", () => {
  let home: Home;
  let errors: Map<string, string>;
  let dagIds: string[];
  before(async () => {
    home = new Home({
      toml: `[core]\nexecutor = "LocalExecutor,fast:LocalExecutor"\n`,
      dags: {
        "good.ts": `import { dag } from "@switchyard/core";\nconst d = dag("good");\nd.bash("t", "true", { executor: "fast" });\nexport default d;\n`,
        "cycle.ts": `import { dag } from "@switchyard/core";\nconst d = dag("cyclic");\nconst a = d.bash("a", "true"), b = d.bash("b", "true"), c = d.bash("c", "true");\na.then(b).then(c).then(a);\nexport default d;\n`,
        "dup.ts": `import { dag } from "@switchyard/core";\nconst d = dag("dup");\nd.bash("same", "true");\nd.bash("same", "false");\nexport default d;\n`,
        "unknown_executor.ts": `import { dag } from "@switchyard/core";\nconst d = dag("gpu_dag");\nd.bash("train", "true", { executor: "gpu" });\nexport default d;\n`,
        "bad_rule.ts": `import { dag } from "@switchyard/core";\nconst d = dag("bad_rule");\nd.bash("t", "true", { triggerRule: "sometimes" as never });\nexport default d;\n`,
        "bad_cron.ts": `import { dag } from "@switchyard/core";\nexport default dag("bad_cron", { schedule: "every day", startDate: "2026-01-01" });\n`,
        "throws.ts": `throw new Error("cannot reach the config service");\n`,
      },
    });
    await home.ok(["db", "init"]);
    const rows = JSON.parse(await home.ok(["dags", "list-import-errors", "-o", "json"])) as ImportErrorRow[];
    errors = new Map(rows.map((r) => [r.filename.split("/").pop()!, r.error]));
    dagIds = (JSON.parse(await home.ok(["dags", "list", "-o", "json"])) as Array<{ dagId: string }>).map((d) => d.dagId);
  });
  after(() => home.cleanup());

  it("keeps the good DAG and none of the broken ones", () => {
    assert.deepEqual(dagIds, ["good"]);
  });
  it("a cycle names the tasks in it", () => {
    assert.match(errors.get("cycle.ts")!, /cycle: .*a -> b -> c|c -> a -> b -> c|a -> b -> c -> a/);
  });
  it("a duplicate task id names it", () => {
    assert.match(errors.get("dup.ts")!, /same/);
    assert.match(errors.get("dup.ts")!, /already|duplicate/i);
  });
  it("an unknown executor names the task and the configured executors", () => {
    assert.match(errors.get("unknown_executor.ts")!, /Task 'train' in DAG 'gpu_dag'.*'gpu'.*not configured.*LocalExecutor.*fast/s);
  });
  it("an unknown trigger rule lists the valid ones", () => {
    assert.match(errors.get("bad_rule.ts")!, /task 't': option 'triggerRule' must be one of all_success.*none_failed_min_one_success.*always, got "sometimes"/s);
  });
  it("a bad cron expression says what is valid", () => {
    assert.match(errors.get("bad_cron.ts")!, /every day.*cron/s);
  });
  it("a module that throws on import names the error", () => {
    assert.match(errors.get("throws.ts")!, /cannot reach the config service/);
  });
  it("the good DAG still runs", async () => {
    const { runState, states } = await home.runDag("good");
    assert.equal(runState, "success");
    assert.equal(states.get("t")!.executor, "fast");
  });
  it("fixing a file clears its import error", async () => {
    home.writeDag("throws.ts", `import { dag } from "@switchyard/core";\nconst d = dag("fixed");\nd.bash("t", "true");\nexport default d;\n`);
    const rows = JSON.parse(await home.ok(["dags", "list-import-errors", "-o", "json"])) as ImportErrorRow[];
    assert.equal(rows.some((r) => r.filename.endsWith("throws.ts")), false);
    const ids = (JSON.parse(await home.ok(["dags", "list", "-o", "json"])) as Array<{ dagId: string }>).map((d) => d.dagId);
    assert.deepEqual(ids, ["fixed", "good"]);
  });
});
