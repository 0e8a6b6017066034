import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { importLocalModule, loadDagFile } from "../../src/dag/loader.js";
import { tempDir, writeFiles } from "./support.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const run = promisify(execFile);

const ETL_TS = `
import { dag } from "@switchyard/core";
import { COMMAND } from "./helpers/command.js";

const etl = dag("etl", { schedule: "@daily", startDate: "2026-01-01" });
const extract = etl.bash("extract", COMMAND);
const load = etl.fn("load", async (ctx) => ({ try: ctx.tryNumber }));
extract.then(load);

export default etl;
export const alsoEtl = etl;
export const notADag: number = 42;
export const lookalike = { dagId: "fake", tasks: new Map() };
`;

describe("loadDagFile", () => {
  test("a .ts DAG file outside any package imports '@switchyard/core' and a local helper", async (t) => {
    const dir = tempDir(t);
    const files = writeFiles(dir, { "etl.ts": ETL_TS, "helpers/command.ts": `export const COMMAND: string = "echo extract";\n` });
    const dags = await loadDagFile(files["etl.ts"]!);
    assert.deepEqual(dags.map((d) => d.dagId), ["etl"]);
    const etl = dags[0]!;
    assert.deepEqual([...etl.tasks.keys()], ["extract", "load"]);
    assert.equal(etl.tasks.get("extract")!.command, "echo extract");
    assert.deepEqual([...etl.tasks.get("load")!.upstreamIds], ["extract"]);
  });

  test("several DAGs per file, from .mts and plain .js files, with top-level await", async (t) => {
    const dir = tempDir(t);
    const files = writeFiles(dir, {
      "two.mts": `import { dag, chain } from "@switchyard/core";
        const wait: Promise<void> = new Promise((r) => setTimeout(r, 1));
        await wait;
        export const first = dag("first");
        export const second = dag("second");
        chain(first.empty("a"), first.empty("b"));`,
      "plain.js": `import { dag } from "@switchyard/core";\nexport default dag("plain_js");\n`,
    });
    assert.deepEqual((await loadDagFile(files["two.mts"]!)).map((d) => d.dagId), ["first", "second"]);
    assert.deepEqual((await loadDagFile(files["plain.js"]!)).map((d) => d.dagId), ["plain_js"]);
  });

  test("a file exporting no DAG gives an empty list", async (t) => {
    const files = writeFiles(tempDir(t), { "util.ts": "export const x = 1;\n" });
    assert.deepEqual(await loadDagFile(files["util.ts"]!), []);
  });

  test("fresh re-reads the file and its local imports; without it the module is reused", async (t) => {
    const dir = tempDir(t);
    const files = writeFiles(dir, { "etl.ts": ETL_TS, "helpers/command.ts": `export const COMMAND = "echo one";\n` });
    const first = await loadDagFile(files["etl.ts"]!);
    writeFileSync(files["helpers/command.ts"]!, `export const COMMAND = "echo two";\n`);
    const cached = await loadDagFile(files["etl.ts"]!);
    assert.equal(cached[0], first[0]);
    const fresh = await loadDagFile(files["etl.ts"]!, { fresh: true });
    assert.notEqual(fresh[0], first[0]);
    assert.equal(fresh[0]!.tasks.get("extract")!.command, "echo two");
  });

  test("what the file throws is rethrown", async (t) => {
    const files = writeFiles(tempDir(t), { "bad.ts": `import { dag } from "@switchyard/core";\nconst d = dag("bad");\nd.empty("a");\nd.empty("a");\nexport default d;\n` });
    await assert.rejects(loadDagFile(files["bad.ts"]!), /DAG 'bad': task id 'a' is already used/);
  });
});

test("importLocalModule gives other user modules (custom executors) the same resolution", async (t) => {
  const files = writeFiles(tempDir(t), { "exec.ts": `import { dag } from "@switchyard/core";\nexport class MyExecutor { kind: string = typeof dag; }\n` });
  const namespace = await importLocalModule(files["exec.ts"]!);
  const MyExecutor = namespace.MyExecutor as new () => { kind: string };
  assert.equal(new MyExecutor().kind, "function");
});

describe("from dist, started with plain node (production)", () => {
  test("loads a .ts DAG file from anywhere and parses a folder in isolation", async (t) => {
    const build = tempDir(t, "switchyard-build-");
    writeFileSync(join(build, "package.json"), JSON.stringify({ type: "module" }));
    symlinkSync(join(ROOT, "node_modules"), join(build, "node_modules"), "dir");
    const tsc = join(dirname(createRequire(import.meta.url).resolve("typescript/package.json")), "bin", "tsc");
    await run(process.execPath, [
      tsc, "--outDir", join(build, "dist"), "--rootDir", join(ROOT, "src"), "--target", "ES2022", "--module", "NodeNext",
      "--moduleResolution", "NodeNext", "--strict", "--skipLibCheck", "--types", "node",
      join(ROOT, "src/index.ts"), join(ROOT, "src/dag/loader.ts"), join(ROOT, "src/dag/resolve-hook.ts"),
      join(ROOT, "src/dag/dagbag-isolated.ts"), join(ROOT, "src/dag/dagbag-worker.ts"),
    ], { cwd: ROOT });

    const dags = tempDir(t);
    writeFiles(dags, { "etl.ts": ETL_TS, "helpers/command.ts": `export const COMMAND: string = "echo from dist";\n` });
    const script = `
      import { loadDagFile } from ${JSON.stringify(join(build, "dist/dag/loader.js"))};
      import { parseDagBagIsolated } from ${JSON.stringify(join(build, "dist/dag/dagbag-isolated.js"))};
      const [etl] = await loadDagFile(${JSON.stringify(join(dags, "etl.ts"))});
      const bag = await parseDagBagIsolated({ folder: ${JSON.stringify(dags)}, executorEntries: ["LocalExecutor"], home: ${JSON.stringify(dags)}, timeoutSeconds: 20 });
      console.log(JSON.stringify({ command: etl.tasks.get("extract").command, dags: bag.dags.map((d) => d.dagId), errors: bag.errors }));
    `;
    // No --import tsx: exactly how `node dist/cli/main.js` starts.
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: dags });
    assert.deepEqual(JSON.parse(stdout), { command: "echo from dist", dags: ["etl"], errors: [] });
  });
});
