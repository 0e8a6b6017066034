import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { CLI, Home, ROOT } from "../support/home.js";

/**
 * Each command loads only what it uses (see src/cli/context.ts): `--version` and `config get-value` never
 * open a database, reading runs never loads DAG parsing or the scheduler, and triggering a DAG loads neither
 * the scheduler nor the TypeScript loader (DAG files are imported in a child process, if at all).
 */

const TRACER = path.join(ROOT, "test", "fixtures", "cli", "trace-loads.mjs");

/** The package each vendor module of dist holds. */
const VENDORED: Readonly<Record<string, string>> = { "store/kysely.js": "kysely", "common/zod.js": "zod" };

/** Names of what a command loaded: `kysely`, `zod`… for packages, `store/connect.js`… for our own modules. */
function loadedBy(home: Home, args: string[]): Set<string> {
  const trace = home.file(`loads-${Math.random().toString(36).slice(2)}.txt`);
  fs.writeFileSync(trace, "");
  const r = spawnSync(process.execPath, ["--import", TRACER, CLI, ...args], { cwd: home.dir, env: home.env({ SWITCHYARD_TRACE_LOADS: trace }), encoding: "utf8" });
  assert.equal(r.status, 0, `switchyard ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  const names = new Set<string>();
  for (const url of fs.readFileSync(trace, "utf8").split("\n").filter(Boolean)) {
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (pkg) names.add(pkg[1]!);
    const own = /\/dist\/(.+?)(?:\?.*)?$/.exec(url);
    if (own && !pkg) names.add(own[1]!);
    // The build bundles these packages into their one vendor module each (scripts/bundle-vendor.mjs).
    const vendored = own && !pkg ? VENDORED[own[1]!] : undefined;
    if (vendored !== undefined) names.add(vendored);
  }
  return names;
}

function assertNone(loaded: Set<string>, forbidden: readonly string[], what: string): void {
  const found = [...loaded].filter((name) => forbidden.some((f) => name === f || name.startsWith(f)));
  assert.deepEqual(found, [], `${what} loaded ${found.join(", ")}`);
}

const DATABASE = ["kysely", "better-sqlite3", "pg", "store/"];
const DAG_PARSING = ["tsx", "esbuild", "dag/loader.js", "dag/dagbag", "scheduler/", "executors/", "runner/"];

describe("CLI commands load only what they use", () => {
  let home: Home;
  before(async () => {
    home = new Home({
      dags: { "hello.ts": `import { dag } from "@switchyard/core";\nconst d = dag("hello");\nd.bash("t", "true");\nexport default d;\n` },
    });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "list"]);
    await home.ok(["dags", "trigger", "hello", "--run-id", "r1"]);
  });
  after(() => home.cleanup());

  it("--version loads commander and the CLI's own modules, nothing else", () => {
    const loaded = loadedBy(home, ["--version"]);
    assertNone(loaded, [...DATABASE, ...DAG_PARSING, "zod", "smol-toml", "config/", "pino"], "--version");
  });

  it("config get-value reads the configuration without a database or DAG parsing", () => {
    const loaded = loadedBy(home, ["config", "get-value", "core", "executor"]);
    assert.ok(loaded.has("config/load.js"));
    assertNone(loaded, [...DATABASE, ...DAG_PARSING, "pino"], "config get-value");
  });

  it("tasks states-for-dag-run reads the database without DAG parsing, the scheduler or executors", () => {
    const loaded = loadedBy(home, ["tasks", "states-for-dag-run", "hello", "r1"]);
    assert.ok(loaded.has("store/connect.js"));
    assertNone(loaded, DAG_PARSING, "tasks states-for-dag-run");
  });

  it("tasks run --workload (a KubernetesExecutor pod's command) runs the try without the database or the Kubernetes client", () => {
    const key = { dagId: "hello", taskId: "t", runId: "pod-run", mapIndex: -1, tryNumber: 1 };
    const workload = { key, dagFile: "hello.ts", queue: "default", pool: "default_pool", priorityWeight: 1, executorConfig: {}, token: "tok", logRelativePath: "pod/t.log", timeout: null, logicalDate: "2026-01-01T00:00:00.000Z", conf: {} };
    const loaded = loadedBy(home, ["tasks", "run", "hello", "t", "pod-run", "--try", "1", "--workload", JSON.stringify(workload)]);
    assert.ok(loaded.has("worker/pod-try.js"));
    assertNone(loaded, [...DATABASE, "@kubernetes/client-node", "scheduler/", "executors/kubernetes/executor.js"], "tasks run --workload");
  });

  it("kubernetes --help loads no Kubernetes client", () => {
    assertNone(loadedBy(home, ["kubernetes", "--help"]), ["@kubernetes/client-node", "executors/", ...DATABASE], "kubernetes --help");
  });

  it("fleet workers reads Redis without the database, DAG parsing, the scheduler or loading executors", () => {
    const fleet = new Home({ toml: `[core]\nexecutor = "LocalExecutor,BullMQExecutor"\n[executors.BullMQExecutor]\nprefix = "sy-test:lazy:${process.pid}"\n` });
    try {
      const loaded = loadedBy(fleet, ["fleet", "workers"]);
      assert.ok(loaded.has("executors/bullmq/fleet-workers.js"));
      assertNone(loaded, [...DATABASE, "tsx", "esbuild", "dag/", "scheduler/", "executors/loader.js", "executors/local", "worker/"], "fleet workers");
    } finally {
      fleet.cleanup();
    }
  });

  // Whether it imports the DAG file again (in its parsing process) is test/dag/parse-cache.test.ts's.
  it("dags trigger syncs the DAG folder without loading the scheduler, executors or the task runner", () => {
    const loaded = loadedBy(home, ["dags", "trigger", "hello", "--run-id", "r2"]);
    assert.ok(loaded.has("scheduler/dag-sync.js"), "it did look at the DAG folder");
    assertNone(loaded, ["tsx", "esbuild", "executors/", "runner/", "scheduler/scheduler.js"], "dags trigger");
  });
});
