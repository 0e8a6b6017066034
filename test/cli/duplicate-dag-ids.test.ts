import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Home } from "../support/home.js";

interface ImportErrorRow {
  filename: string;
  error: string;
}
interface DagRow {
  dagId: string;
  fileloc: string;
  tasks: number;
}

const defining = (taskIds: string[]) =>
  `import { dag } from "@switchyard/core";\nconst d = dag("shared");\n${taskIds.map((t) => `d.bash(${JSON.stringify(t)}, "true");`).join("\n")}\nexport default d;\n`;

describe("two DAG files defining one DAG id", () => {
  let home: Home;
  let errors: ImportErrorRow[];
  let dags: DagRow[];
  before(async () => {
    // z.ts defines the DAG first; a.ts (sorted before it) then claims the same id.
    home = new Home({ toml: `[core]\nexecutor = "LocalExecutor"\n`, dags: { "z.ts": defining(["from_z"]) } });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "list"]);
    home.writeDag("a.ts", defining(["from_a", "from_a_too"]));
    errors = await home.json<ImportErrorRow[]>(["dags", "list-import-errors"]);
    dags = await home.json<DagRow[]>(["dags", "list"]);
  });
  after(() => home.cleanup());

  it("is an import error of each file, naming both", () => {
    const byFile = new Map(errors.map((e) => [e.filename.split("/").pop()!, e.error]));
    assert.deepEqual([...byFile.keys()].sort(), ["a.ts", "z.ts"]);
    for (const message of byFile.values()) {
      assert.match(message, /DAG id 'shared' is defined by more than one file/);
      assert.match(message, /a\.ts/);
      assert.match(message, /z\.ts/);
    }
  });

  it("leaves the DAG at its last good definition", async () => {
    const shared = dags.find((d) => d.dagId === "shared");
    assert.ok(shared, "the DAG is still listed");
    assert.match(shared.fileloc, /z\.ts$/);
    assert.equal(shared.tasks, 1);
    const { states, runState } = await home.runDag("shared");
    assert.equal(runState, "success");
    assert.deepEqual([...states.keys()], ["from_z"]);
  });

  it("resolving the clash clears both errors", async () => {
    home.writeDag("a.ts", `export {};\n`);
    assert.deepEqual(await home.json<ImportErrorRow[]>(["dags", "list-import-errors"]), []);
  });
});
