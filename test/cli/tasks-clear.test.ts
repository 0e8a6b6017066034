import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { after, before, describe, it } from "node:test";
import { CLI, Home } from "../support/home.js";

/** Runs the CLI on a pseudo-terminal (util-linux `script`), typing `answer` at its prompt. */
function onTerminal(home: Home, args: string[], answer: string): { code: number | null; output: string } {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const r = spawnSync("script", ["-qec", command, "/dev/null"], { input: `${answer}\n`, env: home.env(), cwd: home.dir, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, output: r.stdout };
}

// `fails_once` fails until its marker file exists, so a cleared run succeeds the second time.
function dagText(marker: string): string {
  return `
import { dag } from "@switchyard/core";
const d = dag("clearme", { schedule: null });
const start = d.bash("start", "echo start");
const failsOnce = d.bash("fails_once", "if [ -f ${marker} ]; then echo recovered; else touch ${marker}; exit 1; fi");
const report = d.bash("report", "echo report");
const side = d.bash("side", "echo side");
start.then(failsOnce).then(report);
start.then(side);
export default d;
`;
}

describe("tasks clear", () => {
  let home: Home;
  before(async () => {
    home = new Home();
    home.writeDag("clearme.ts", dagText(home.file("marker")));
    const first = await home.runDag("clearme", "r1");
    assert.equal(first.runState, "failed");
    await home.ok(["dags", "trigger", "clearme", "--run-id", "r2"]);
    await home.runSchedulersUntilIdle();
  });
  after(() => home.cleanup());

  const state = async (runId: string) => new Map((await home.states("clearme", runId)).map((s) => [s.taskId, s]));

  it("refuses without --yes when there is no terminal to ask on, and changes nothing", async () => {
    const r = await home.run(["tasks", "clear", "clearme", "--run-id", "r1", "--only-failed"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refusing to clear 2 task instance\(s\) without confirmation: stdin is not a terminal; pass --yes/);
    assert.equal((await state("r1")).get("fails_once")!.state, "failed");
    assert.equal((await home.ok(["dags", "state", "clearme", "r1"])).trim(), "failed");
  });

  it("rejects a bad --task regex, a regex matching no task and an unknown run", async () => {
    const bad = await home.run(["tasks", "clear", "clearme", "--task", "([", "--yes"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--task '\(\[' is not a valid regular expression/);
    const none = await home.run(["tasks", "clear", "clearme", "--task", "^zzz", "--yes"]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /--task '\^zzz' matches none of clearme's tasks: start, /);
    const run = await home.run(["tasks", "clear", "clearme", "--run-id", "r9", "--yes"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no run 'r9'/);
    assert.equal((await state("r1")).get("fails_once")!.state, "failed");
  });

  it("--dry-run lists what --only-failed --downstream would clear and changes nothing", async () => {
    const rows = await home.json<Array<{ runId: string; taskId: string; state: string; action: string }>>(["tasks", "clear", "clearme", "--run-id", "r1", "--only-failed", "--downstream", "--dry-run"]);
    assert.deepEqual(rows.map((r) => [r.taskId, r.state, r.action]), [
      ["fails_once", "failed", "clear"],
      ["report", "upstream_failed", "clear"],
    ]);
    assert.equal((await state("r1")).get("report")!.state, "upstream_failed");
  });

  it("--only-failed --downstream --yes resets them, requeues the run, and the scheduler finishes it with a new try", async () => {
    const out = await home.ok(["tasks", "clear", "clearme", "--run-id", "r1", "--only-failed", "--downstream", "--yes"]);
    assert.match(out, /cleared 2 task instance\(s\)/);
    assert.match(out, /run\(s\) back to queued: r1/);
    const cleared = await state("r1");
    assert.deepEqual([cleared.get("fails_once")!.state, cleared.get("report")!.state, cleared.get("start")!.state], ["none", "none", "success"]);
    assert.equal((await home.ok(["dags", "state", "clearme", "r1"])).trim(), "queued");
    assert.equal((await state("r2")).get("report")!.state, "success", "other runs are untouched");

    await home.runSchedulersUntilIdle();
    const after = await state("r1");
    assert.equal((await home.ok(["dags", "state", "clearme", "r1"])).trim(), "success");
    assert.equal(after.get("fails_once")!.state, "success");
    assert.equal(after.get("fails_once")!.tryNumber, 2, "the try number moves on, so a late report of try 1 is still fenced out");
    assert.equal(after.get("start")!.tryNumber, 1, "tasks outside the selection did not run again");
    assert.match(await home.ok(["tasks", "logs", "clearme", "fails_once", "r1"]), /recovered/);
  });

  it("--task selects by regular expression across runs, and leaves in-flight tries alone", async () => {
    // A try in flight: clearing it would have its own reports rejected, so it is reported, not reset.
    home.query("update task_instance set state = 'running' where run_id = 'r2' and task_id = 'side'");
    const out = await home.ok(["tasks", "clear", "clearme", "--task", "^(side|report)$", "--yes"]);
    assert.match(out, /cleared 3 task instance\(s\)/);
    assert.match(out, /1 task instance\(s\) were in flight and left alone/);
    const r2 = await state("r2");
    assert.equal(r2.get("side")!.state, "running");
    assert.equal(r2.get("report")!.state, "none");
    assert.equal((await state("r1")).get("side")!.state, "none");
    assert.equal((await state("r1")).get("start")!.state, "success");
  });

  it("asks on a terminal: no cancels, yes clears", { skip: !fs.existsSync("/usr/bin/script") && "needs util-linux script for a pseudo-terminal" }, async () => {
    const no = onTerminal(home, ["tasks", "clear", "clearme", "--run-id", "r2", "--task", "^start$"], "n");
    assert.equal(no.code, 0, no.output);
    assert.match(no.output, /Clear 1 task instance\(s\) of clearme\? \[y\/N\]/);
    assert.match(no.output, /cancelled: nothing cleared/);
    assert.equal((await state("r2")).get("start")!.state, "success");
    const yes = onTerminal(home, ["tasks", "clear", "clearme", "--run-id", "r2", "--task", "^start$"], "y");
    assert.equal(yes.code, 0, yes.output);
    assert.match(yes.output, /cleared 1 task instance\(s\)/);
    assert.equal((await state("r2")).get("start")!.state, "none");
  });
});
