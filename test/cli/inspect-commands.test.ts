import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Home, ROOT } from "../support/home.js";

const ETL = `
import { dag } from "@switchyard/core";
const d = dag("etl", { schedule: "0 6 * * *", startDate: "2030-01-01T00:00:00Z", description: "nightly \\"load\\" of sales", tags: ["sales", "nightly"] });
const extract = d.bash("extract", "echo e");
const clean = d.bash("clean", "echo c");
const enrich = d.fn("enrich", async () => 1);
const report = d.bash("report", "echo r", { triggerRule: "all_done" });
extract.then(clean, enrich);
report.after(clean, enrich);
export default d;
`;
const ADHOC = `
import { dag } from "@switchyard/core";
const d = dag("adhoc", { schedule: null, tags: ["ops"] });
d.bash("only", "echo only");
export default d;
`;

/**
 * Checks the DOT we emit against the subset of the grammar it uses (no Graphviz on the test
 * machines): a digraph of quoted ids, attribute lists and edges whose ends are declared nodes.
 */
function parseDot(text: string): { name: string; nodes: Map<string, string>; edges: Array<[string, string]> } {
  const str = String.raw`"(?:[^"\\]|\\.)*"`;
  const lines = text.trim().split("\n");
  const head = new RegExp(`^digraph (${str}) \\{$`).exec(lines[0]!);
  assert.ok(head, `first line opens a digraph: ${lines[0]}`);
  assert.equal(lines.at(-1), "}");
  const unquote = (s: string) => JSON.parse(s) as string;
  const nodes = new Map<string, string>();
  const edges: Array<[string, string]> = [];
  for (const line of lines.slice(1, -1)) {
    const attr = new RegExp(`^  (graph|node) \\[[^\\]]*\\];$`).exec(line);
    const node = new RegExp(`^  (${str}) \\[label=(${str})\\];$`).exec(line);
    const edge = new RegExp(`^  (${str}) -> (${str});$`).exec(line);
    if (node) nodes.set(unquote(node[1]!), unquote(node[2]!));
    else if (edge) edges.push([unquote(edge[1]!), unquote(edge[2]!)]);
    else assert.ok(attr, `not a DOT statement we emit: ${line}`);
  }
  for (const [a, b] of edges) assert.ok(nodes.has(a) && nodes.has(b), `edge ${a} -> ${b} names declared nodes`);
  return { name: unquote(head[1]!), nodes, edges };
}

describe("commands that inspect DAGs, pools, config and the installation", () => {
  let home: Home;
  before(async () => {
    home = new Home({ toml: `[core]\nexecutor = "LocalExecutor,solo:SequentialExecutor,fast:LocalExecutor"\nparallelism = 12\n[executors.fast]\nparallelism = 3\n`, dags: { "etl.ts": ETL, "adhoc.ts": ADHOC } });
    await home.ok(["db", "init"]);
  });
  after(() => home.cleanup());

  it("dags list shows description and tags, and --tag filters (repeatable)", async () => {
    const all = await home.json<Array<{ dagId: string; tags: string[]; description: string | null }>>(["dags", "list"]);
    assert.deepEqual(all.map((d) => [d.dagId, d.tags, d.description]), [
      ["adhoc", ["ops"], null],
      ["etl", ["sales", "nightly"], 'nightly "load" of sales'],
    ]);
    const table = await home.ok(["dags", "list"]);
    assert.match(table, /tags\s+description/);
    assert.match(table, /sales,nightly\s+nightly "load" of sales/);
    assert.deepEqual((await home.json<Array<{ dagId: string }>>(["dags", "list", "--tag", "nightly"])).map((d) => d.dagId), ["etl"]);
    assert.deepEqual((await home.json<Array<{ dagId: string }>>(["dags", "list", "--tag", "ops", "--tag", "sales"])).map((d) => d.dagId), ["adhoc", "etl"]);
    assert.deepEqual(await home.json<unknown[]>(["dags", "list", "--tag", "nope"]), []);
  });

  it("dags show prints the graph as text and as valid DOT", async () => {
    const text = await home.ok(["dags", "show", "etl"]);
    assert.match(text, /^etl {2}\(4 task\(s\), schedule 0 6 \* \* \*\)/);
    assert.match(text, /extract\s+bash\s+-> clean, enrich/);
    assert.match(text, /report\s+bash\s+\[all_done\]/);
    const dot = parseDot(await home.ok(["dags", "show", "etl", "--format", "dot"]));
    assert.equal(dot.name, "etl");
    assert.deepEqual([...dot.nodes.keys()].sort(), ["clean", "enrich", "extract", "report"]);
    assert.equal(dot.nodes.get("report"), "report\n(bash, all_done)");
    assert.deepEqual(dot.edges.map((e) => e.join("->")).sort(), ["clean->report", "enrich->report", "extract->clean", "extract->enrich"]);
    const bad = await home.run(["dags", "show", "etl", "--format", "svg"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Allowed choices are text, dot/);
  });

  it("dags next-execution gives the next logical dates, and None for a DAG without a schedule", async () => {
    assert.deepEqual((await home.ok(["dags", "next-execution", "etl", "-n", "3"])).trim().split("\n"), [
      "2030-01-01T06:00:00.000Z",
      "2030-01-02T06:00:00.000Z",
      "2030-01-03T06:00:00.000Z",
    ]);
    assert.deepEqual(await home.json<string[]>(["dags", "next-execution", "etl"]), ["2030-01-01T06:00:00.000Z"]);
    assert.equal((await home.ok(["dags", "next-execution", "adhoc"])).trim(), "None");
    const bad = await home.run(["dags", "next-execution", "etl", "-n", "0"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--num-executions must be an integer >= 1/);
  });

  it("tasks list gives the tasks in dependency order, as a tree, and as JSON", async () => {
    const table = await home.ok(["tasks", "list", "etl"]);
    assert.match(table, /^task_id/);
    assert.ok(table.indexOf("extract") < table.indexOf("report"));
    assert.equal(
      (await home.ok(["tasks", "list", "etl", "--tree"])).trim(),
      ["<Task(bash): extract>", "    <Task(bash): clean>", "        <Task(bash): report>", "    <Task(fn): enrich>", "        <Task(bash): report>"].join("\n"),
    );
    const json = await home.json<Array<{ taskId: string; upstream: string[]; triggerRule: string }>>(["tasks", "list", "etl"]);
    assert.deepEqual(json.find((t) => t.taskId === "report"), { ...json.find((t) => t.taskId === "report"), upstream: ["clean", "enrich"], triggerRule: "all_done" });
    const missing = await home.run(["tasks", "list", "nope"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no DAG named 'nope'; known DAGs: adhoc, etl/);
  });

  it("version prints what --version prints, the package's version", async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
    assert.equal((await home.ok(["version"])).trim(), pkg.version);
    assert.equal((await home.ok(["--version"])).trim(), pkg.version);
  });

  it("info names the versions, config file, database and executors, with the password masked", async () => {
    const info = JSON.parse(
      await home.ok(["info", "-o", "json"], { env: { SWITCHYARD__DATABASE__URL: "postgresql://app:s3cret-pw@db.example:5432/prod" } }),
    ) as Record<string, string>;
    assert.equal(info.node, process.version);
    assert.equal(info.configFile, path.join(home.dir, "switchyard.toml"));
    assert.equal(info.database, "postgresql");
    assert.equal(info.databaseUrl, "postgresql://app:***@db.example:5432/prod");
    assert.equal(info.executors, "LocalExecutor,solo:SequentialExecutor,fast:LocalExecutor");
    assert.equal(info.dagsFolder, home.dagsDir);
    const table = await home.ok(["info"], { env: { SWITCHYARD__DATABASE__URL: "postgresql://app:s3cret-pw@db.example:5432/prod" } });
    assert.doesNotMatch(table, /s3cret/);
    assert.match(table, /version\s+\d+\.\d+\.\d+/);
  });

  it("pools get shows one pool, and an unknown pool is an error naming the pools", async () => {
    await home.ok(["pools", "set", "gpu", "4", "GPU boxes"]);
    assert.deepEqual(await home.json<unknown>(["pools", "get", "gpu"]), { name: "gpu", slots: 4, running: 0, queued: 0, open: 4, description: "GPU boxes" });
    assert.match(await home.ok(["pools", "get", "default_pool"]), /default_pool\s+128/);
    const r = await home.run(["pools", "get", "tpu"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no pool named 'tpu'; existing pools: default_pool, gpu/);
  });

  it("config get-value answers for executor sections with their defaults, written or not", async () => {
    const get = async (section: string, key: string) => (await home.ok(["config", "get-value", section, key])).trim();
    assert.equal(await get("executors.fast", "parallelism"), "3");
    assert.equal(await get("executors.fast", "isolation"), "warm");
    assert.equal(await get("executors.LocalExecutor", "parallelism"), "12", "no section: [core] parallelism is the default");
    assert.equal(await get("executors.solo", "parallelism"), "1");
    const key = await home.run(["config", "get-value", "executors.fast", "isolaton"]);
    assert.equal(key.code, 1);
    assert.match(key.stderr, /\[executors\.fast\] isolaton: unknown key \(did you mean isolation\?\)\. Valid keys of a LocalExecutor: parallelism, isolation, runners/);
    const section = await home.run(["config", "get-value", "executors.slow", "parallelism"]);
    assert.equal(section.code, 1);
    assert.match(section.stderr, /no executor named 'slow' is configured.*executors\.LocalExecutor, executors\.solo, executors\.fast/);
  });
});
