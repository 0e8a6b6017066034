import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { ROOT } from "../support/home.js";

const run = promisify(execFile);

/**
 * What a user does: `npm pack` the repository, then in an empty directory `npm init -y`,
 * `npm install <tarball>`, write DAG files that import `@switchyard/core`, and run them with the
 * `switchyard` command from node_modules/.bin (docs/installation.md walks the same path).
 */

interface PackEntry {
  path: string;
}

/** The environment of a user's shell: none of the npm_* variables `npm test` sets, no tsx preloaded. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== "NODE_OPTIONS" && !key.startsWith("SWITCHYARD")) env[key] = value;
  }
  return env;
}

async function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { cwd, env: { ...userEnv(), ...env }, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (thrown) {
    const err = thrown as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}: ${err.message}\nstdout: ${err.stdout ?? ""}\nstderr: ${err.stderr ?? ""}`);
  }
}

/**
 * A folder holding this repository's own better-sqlite3 binary in the form of the prebuilt
 * binary that better-sqlite3's install script (prebuild-install) downloads from GitHub, named as
 * it looks for it in a local prebuilds folder (`npm_config_better_sqlite3_local_prebuilds`).
 *
 * Why: where the download fails (no network to GitHub, as on CI) the install script compiles
 * SQLite from source, one to two minutes of CPU that told us nothing about our package. With
 * this folder the project's install still runs better-sqlite3's real install script, which
 * unpacks the binary and loads it; every other dependency is installed as a user's install
 * does, and the DAGs below run on the installed copy. Not covered here: that a download or a
 * compile works on the user's machine (better-sqlite3's business; checked by hand before a
 * release, docs/installation.md). If the project resolves another better-sqlite3 version than
 * the repository's, the name does not match and the install compiles as before.
 */
async function localSqlitePrebuild(work: string): Promise<string> {
  const pkgDir = path.join(ROOT, "node_modules", "better-sqlite3");
  const { version } = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")) as { version: string };
  // prebuild-install's name: {name}-v{version}-{runtime}-v{abi}-{platform}{libc}-{arch}.tar.gz, libc empty for glibc.
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  const libc = process.platform === "linux" && !header?.glibcVersionRuntime ? "musl" : "";
  const dir = path.join(work, "prebuilds");
  fs.mkdirSync(dir);
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}${libc}-${process.arch}.tar.gz`;
  await sh("tar", ["-czf", path.join(dir, name), "build/Release/better_sqlite3.node"], pkgDir);
  return dir;
}

const TS_DAG = `import { dag, chain } from "@switchyard/core";
import { writeFileSync } from "node:fs";

// A type annotation: this file only runs if the TypeScript loader works in the user's project.
const greeting: string = "hello from ts";
const d = dag("hello_ts", { schedule: null, startDate: "2026-01-01T00:00:00Z" });
const first = d.bash("first", "echo first");
const second = d.fn("second", async () => {
  writeFileSync("ts-marker.txt", greeting);
  return { ok: true };
});
chain(first, second);
export default d;
`;

const JS_DAG = `import { dag } from "@switchyard/core";

const d = dag("hello_js", { schedule: null, startDate: "2026-01-01T00:00:00Z" });
d.bash("write", "echo hello from js > js-marker.txt");
export default d;
`;

describe("npm pack, then npm install <tarball> in an empty project", { timeout: 15 * 60_000 }, () => {
  let work: string;
  let project: string;
  let files: string[];

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-pack-"));
    project = path.join(work, "my-project");
    fs.mkdirSync(project);
    // `npm test` has just built dist/; --ignore-scripts keeps `prepack` from rebuilding it under tests
    // that are running the CLI from it (a test below checks that prepack builds).
    const packed = JSON.parse(await sh("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], ROOT)) as Array<{ filename: string; files: PackEntry[] }>;
    files = packed[0]!.files.map((f) => f.path);
    const tarball = path.join(work, packed[0]!.filename);
    await sh("npm", ["init", "-y"], project);
    const prebuilds = await localSqlitePrebuild(work);
    await sh("npm", ["install", tarball, "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], project, { npm_config_better_sqlite3_local_prebuilds: prebuilds });
    fs.mkdirSync(path.join(project, "dags"));
    fs.writeFileSync(path.join(project, "dags", "hello.ts"), TS_DAG);
    fs.writeFileSync(path.join(project, "dags", "hello.js"), JS_DAG);
  });
  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("ships dist and no databases, logs, parse caches, quickstart state or tests", () => {
    assert.ok(files.includes("dist/cli/main.js"), "dist/cli/main.js is in the tarball");
    assert.ok(files.includes("dist/index.js") && files.includes("dist/index.d.ts"), "the import entry point and its types are in the tarball");
    const unwanted = files.filter((f) => /\.db(-wal|-shm)?$/.test(f) || /(^|\/)logs\//.test(f) || f.startsWith("examples/quickstart") || /(^|\/)\.switchyard\//.test(f) || f.startsWith("test/") || f.startsWith("src/"));
    assert.deepEqual(unwanted, []);
  });

  it("builds dist/ before packing (prepack)", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    assert.match(pkg.scripts.prepack ?? pkg.scripts.prepare ?? "", /npm run build|tsc/);
  });

  it("gives the project the switchyard command, and runs a .ts and a .js DAG that import @switchyard/core", async (t) => {
    // Not an assertion (a compile is a correct install too): a CI log line for when the install compiled, and took minutes.
    const compiled = fs.existsSync(path.join(project, "node_modules", "better-sqlite3", "build", "Release", "obj.target"));
    t.diagnostic(`better-sqlite3 in the project: ${compiled ? "compiled from source (it resolved another version than the repository's?)" : "the repository's binary, unpacked as a prebuild"}`);
    const switchyard = (...args: string[]) => sh("npx", ["--no-install", "switchyard", ...args], project);
    assert.match(await switchyard("--version"), /^\d+\.\d+\.\d+/);
    await switchyard("db", "init");
    const dags = (JSON.parse(await switchyard("dags", "list", "-o", "json")) as Array<{ dagId: string }>).map((d) => d.dagId).sort();
    assert.deepEqual(dags, ["hello_js", "hello_ts"]);
    await switchyard("dags", "trigger", "hello_ts", "--run-id", "r1");
    await switchyard("dags", "trigger", "hello_js", "--run-id", "r1");
    await switchyard("scheduler", "--exit-when-idle");
    for (const dagId of ["hello_ts", "hello_js"]) {
      assert.equal((await switchyard("dags", "state", dagId, "r1")).trim(), "success", `${dagId} run r1 succeeded`);
    }
    const states = JSON.parse(await switchyard("tasks", "states-for-dag-run", "hello_ts", "r1", "-o", "json")) as Array<{ taskId: string; state: string }>;
    assert.deepEqual(states.map((s) => [s.taskId, s.state]).sort(), [["first", "success"], ["second", "success"]]);
    // The tasks ran in the project directory ($SWITCHYARD_HOME defaults to it) and did their work.
    assert.equal(fs.readFileSync(path.join(project, "ts-marker.txt"), "utf8"), "hello from ts");
    assert.equal(fs.readFileSync(path.join(project, "js-marker.txt"), "utf8").trim(), "hello from js");
  });
});
