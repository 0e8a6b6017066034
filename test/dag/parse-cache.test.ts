import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, it } from "node:test";
import { Home } from "../support/home.js";

/**
 * The DAG parse cache (src/dag/parse-cache.ts), seen as a user sees it: each DAG file below appends a line to
 * imports.log when the DAG-parsing process imports it, so the log tells which commands imported which file.
 */

const MARK = `import { appendFileSync } from "node:fs";
import { basename } from "node:path";
// Only the DAG-parsing process counts: the task runner imports the file too, to run its tasks.
if (process.argv[1]?.includes("dagbag-worker")) appendFileSync(new URL("../imports.log", import.meta.url), basename(import.meta.url.split("?")[0]!) + "\\n");
`;

const MAIN_DAG = `import { dag } from "@switchyard/core";
import { greeting } from "./lib/greeting.ts";
${MARK}
const d = dag("cached", { schedule: null });
d.bash("say", \`echo \${greeting}\`, { executor: "fast" });
export default d;
`;

const BROKEN_DAG = `${MARK}throw new Error("the config service is down");\n`;

describe("DAG parse cache: an unchanged file is not imported again, a changed one is", () => {
  let home: Home;
  const imports = (file: string) => (fs.existsSync(home.file("imports.log")) ? fs.readFileSync(home.file("imports.log"), "utf8").split("\n").filter((l) => l === file).length : 0);
  const dagIds = async () => (JSON.parse(await home.ok(["dags", "list", "-o", "json"])) as Array<{ dagId: string }>).map((d) => d.dagId);
  const importErrors = async () => JSON.parse(await home.ok(["dags", "list-import-errors", "-o", "json"])) as Array<{ filename: string; error: string }>;

  before(async () => {
    home = new Home({ toml: `[core]\nexecutor = "LocalExecutor,fast:LocalExecutor"\n`, dags: { "main.ts": MAIN_DAG } });
    fs.mkdirSync(`${home.dagsDir}/lib`);
    // Inside the dags folder, so it is also parsed as a file of its own (one that defines no DAG).
    home.writeDag("lib/greeting.ts", `export const greeting: string = "hello";\n`);
    await home.ok(["db", "init"]);
  });
  after(() => home.cleanup());

  it("the first parse imports the file", async () => {
    assert.deepEqual(await dagIds(), ["cached"]);
    assert.equal(imports("main.ts"), 1);
  });

  it("dags list, dags trigger and the scheduler's first parse reuse it while nothing changed", async () => {
    assert.deepEqual(await dagIds(), ["cached"]);
    await home.ok(["dags", "trigger", "cached", "--run-id", "r1"]);
    await home.runSchedulersUntilIdle();
    assert.equal((await home.ok(["dags", "state", "cached", "r1"])).trim(), "success");
    assert.equal(imports("main.ts"), 1);
  });

  it("editing the DAG file makes the next parse import it", async () => {
    home.writeDag("main.ts", MAIN_DAG.replace(`dag("cached", { schedule: null })`, `dag("cached", { schedule: null, tags: ["edited"] })`));
    await dagIds();
    assert.equal(imports("main.ts"), 2);
    await dagIds();
    assert.equal(imports("main.ts"), 2);
  });

  it("editing a local file it imports makes the next parse import it", async () => {
    home.writeDag("lib/greeting.ts", `export const greeting: string = "hello again";\n`);
    await dagIds();
    assert.equal(imports("main.ts"), 3);
    await home.ok(["dags", "trigger", "cached", "--run-id", "r2"]);
    assert.equal(imports("main.ts"), 3);
  });

  it("a configuration change that affects parsing makes the next parse import it", async () => {
    fs.writeFileSync(home.file("switchyard.toml"), `[core]\nexecutor = "LocalExecutor"\n`);
    const errors = await importErrors();
    assert.equal(imports("main.ts"), 4);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.error, /fast/);
  });

  it("a file that fails to import is imported again at every parse (its error may go away by itself)", async () => {
    home.writeDag("broken.ts", BROKEN_DAG);
    await importErrors();
    await importErrors();
    assert.equal(imports("broken.ts"), 2);
  });
});

describe("DAG parse cache off ([core] dag_parse_cache = false)", () => {
  let home: Home;
  after(() => home.cleanup());

  it("imports an unchanged file at every parse", async () => {
    home = new Home({ toml: `[core]\ndag_parse_cache = false\n`, dags: { "plain.ts": `import { dag } from "@switchyard/core";\n${MARK}export default dag("plain");\n` } });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "list"]);
    await home.ok(["dags", "list"]);
    assert.equal(fs.readFileSync(home.file("imports.log"), "utf8").split("\n").filter((l) => l === "plain.ts").length, 2);
    assert.equal(fs.existsSync(home.file(".switchyard/dag-parse-cache")), false);
  });
});
