import assert from "node:assert/strict";
import fs from "node:fs";
import { afterEach, describe, it } from "node:test";
import { eventually, Home } from "../support/home.js";

let home: Home;
afterEach(() => home?.cleanup());

const EXAMPLE_DAGS = ["multi_executor_demo", "pools_and_priorities", "retries_and_trigger_rules"];
const PLAYGROUND = /examples playground: SWITCHYARD_HOME=(\S+)/;

async function dagIds(h: Home, env: Record<string, string> = {}): Promise<string[]> {
  return (JSON.parse(await h.ok(["dags", "list", "-o", "json"], { env })) as Array<{ dagId: string }>).map((d) => d.dagId);
}

describe("standalone", () => {
  it("--examples runs the bundled example DAG to success with the default configuration, in a throwaway home it removes", async () => {
    home = new Home(); // no switchyard.toml: the default configuration (LocalExecutor only)
    const r = await home.run(["standalone", "--examples", "--exit-when-idle"]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /DAG run \S+ of multi_executor_demo: success/);
    const playground = PLAYGROUND.exec(r.stderr)?.[1];
    assert.ok(playground, `the playground's home is printed: ${r.stderr}`);
    assert.equal(fs.existsSync(playground), false, "the throwaway home is gone after exit");
    assert.equal(home.databaseExists(), false, "the user's database was not created");
  });

  it("--examples leaves the user's database as it was, and a stopped playground is removed too", async () => {
    home = new Home({
      dags: { "mine.ts": `import { dag } from "@switchyard/core";\nconst d = dag("mine");\nd.bash("hello", "echo hello");\nexport default d;\n` },
    });
    await home.ok(["db", "init"]);
    assert.deepEqual(await dagIds(home), ["mine"]);
    const standalone = home.spawn(["standalone", "--examples"]);
    let stderr = "";
    standalone.child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const playground = await eventually("the playground's home to be printed", async () => PLAYGROUND.exec(stderr)?.[1]);
    // The command the playground prints to try it from another terminal.
    const env = { SWITCHYARD_HOME: playground, SWITCHYARD__DATABASE__URL: "sqlite:///./switchyard.db" };
    await eventually("the example run to succeed", async () => /success/.test((await home.run(["dags", "list-runs", "multi_executor_demo", "-o", "plain"], { env })).stdout), 30_000);
    assert.deepEqual((await dagIds(home, env)).sort(), EXAMPLE_DAGS);
    standalone.child.kill("SIGTERM");
    assert.equal((await standalone.done).code, 0);
    assert.equal(fs.existsSync(playground), false, "the throwaway home is gone after SIGTERM");
    assert.deepEqual(await dagIds(home), ["mine"], "no example DAG in the user's database");
  });

  it("without --examples runs the user's own DAGs in their home, and loads no examples", async () => {
    home = new Home({
      dags: { "mine.ts": `import { dag } from "@switchyard/core";\nconst d = dag("mine");\nd.bash("hello", "echo hello");\nexport default d;\n` },
    });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "mine", "--run-id", "r1"]);
    const r = await home.run(["standalone", "--exit-when-idle"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await home.ok(["dags", "state", "mine", "r1"])).trim(), "success");
    assert.deepEqual(await dagIds(home), ["mine"], "no example DAG in the user's database");
  });

  it("initialises the user's database when it does not exist yet", async () => {
    home = new Home();
    const r = await home.run(["standalone", "--exit-when-idle"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(home.databaseExists(), true);
    assert.deepEqual(await dagIds(home), []);
  });
});
