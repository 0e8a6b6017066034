import assert from "node:assert/strict";
import fs from "node:fs";
import { afterEach, describe, it } from "node:test";
import { eventually, Home, TEST_DB, type CliResult } from "../support/home.js";

/** `scheduler --exit-when-idle`'s exit status when it stops with runs left waiting on outside action (docs/operations.md). */
const EXIT_WAITING = 3;

/**
 * Runs `scheduler --exit-when-idle`, killing it if it has not exited within `ms`: these tests are
 * about schedulers that used to never exit, and a hung test says less than a failed assertion.
 */
async function schedulerUntilIdle(home: Home, ms = 30_000): Promise<CliResult & { hung: boolean }> {
  const { child, done } = home.spawn(["scheduler", "--exit-when-idle"]);
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    child.kill("SIGKILL");
  }, ms);
  const r = await done;
  clearTimeout(timer);
  return { ...r, hung };
}

const TOML = `[core]\nexecutor = "LocalExecutor"\n`;
const dagFile = (id: string, body: string) => `import { dag } from "@switchyard/core";\nconst d = dag(${JSON.stringify(id)});\n${body}\nexport default d;\n`;

describe(`runs that cannot progress without outside action (${TEST_DB})`, () => {
  let home: Home;
  afterEach(() => home?.cleanup());

  it("marks the TIs of a task removed from its DAG `removed` and finishes the run", async () => {
    home = new Home({ toml: TOML, dags: { "d.ts": dagFile("shrinks", `d.bash("a", "true").then(d.bash("b", "true"));\nd.bash("c", "true");`) } });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "shrinks", "--run-id", "r1"]);
    // b goes away before the scheduler ever sees the run.
    home.writeDag("d.ts", dagFile("shrinks", `d.bash("a", "true");\nd.bash("c", "true");`));
    const sched = await schedulerUntilIdle(home);
    assert.equal(sched.hung, false, `the scheduler never exited:\n${sched.stderr}`);
    assert.equal(sched.code, 0, sched.stderr);
    const states = Object.fromEntries((await home.states("shrinks", "r1")).map((s) => [s.taskId, s.state]));
    assert.deepEqual(states, { a: "success", b: "removed", c: "success" });
    assert.equal((await home.ok(["dags", "state", "shrinks", "r1"])).trim(), "success");
  });

  it("restores a removed task's TI when the task comes back", async () => {
    home = new Home({ toml: TOML, dags: { "d.ts": dagFile("flaps", `d.bash("a", "true", { pool: "later" });\nd.bash("b", "true");`) } });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "flaps", "--run-id", "r1"]);
    home.writeDag("d.ts", dagFile("flaps", `d.bash("a", "true", { pool: "later" });`));
    // a waits on a missing pool, so the run stays open while b is gone.
    assert.equal((await schedulerUntilIdle(home)).code, EXIT_WAITING);
    assert.equal((await home.states("flaps", "r1")).find((s) => s.taskId === "b")!.state, "removed");
    home.writeDag("d.ts", dagFile("flaps", `d.bash("a", "true", { pool: "later" });\nd.bash("b", "true");`));
    await home.ok(["pools", "set", "later", "1"]);
    const sched = await schedulerUntilIdle(home);
    assert.equal(sched.code, 0, sched.stderr);
    const states = Object.fromEntries((await home.states("flaps", "r1")).map((s) => [s.taskId, s.state]));
    assert.deepEqual(states, { a: "success", b: "success" });
  });

  it("gives a task added to the DAG a TI in the running run, so its downstream does not wait for ever", async () => {
    home = new Home({ toml: TOML, dags: { "d.ts": dagFile("grows", `d.bash("a", "true").then(d.bash("c", "true"));`) } });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "grows", "--run-id", "r1"]);
    home.writeDag("d.ts", dagFile("grows", `d.bash("a", "true").then(d.bash("b", "true")).then(d.bash("c", "true"));`));
    const sched = await schedulerUntilIdle(home);
    assert.equal(sched.hung, false, `the scheduler never exited:\n${sched.stderr}`);
    assert.equal(sched.code, 0, sched.stderr);
    const states = Object.fromEntries((await home.states("grows", "r1")).map((s) => [s.taskId, s.state]));
    assert.deepEqual(states, { a: "success", b: "success", c: "success" });
  });

  it("does not send the TIs of a DAG whose file was deleted to an executor, and says why the run waits", async () => {
    const marker = "ran.txt";
    home = new Home({ toml: TOML, dags: { "gone.ts": dagFile("gone", `d.bash("t", "touch ${marker}");`) } });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "gone", "--run-id", "r1"]);
    fs.rmSync(`${home.dagsDir}/gone.ts`);
    const sched = await schedulerUntilIdle(home);
    assert.equal(sched.hung, false, `the scheduler never exited:\n${sched.stderr}`);
    assert.equal(sched.code, EXIT_WAITING, sched.stderr);
    assert.match(sched.stderr, /gone r1: DAG 'gone' is deactivated/);
    assert.equal(fs.existsSync(home.file(marker)), false, "the task never ran");
    const t = (await home.states("gone", "r1"))[0]!;
    assert.equal(t.tryNumber, 0);
    assert.ok(["none", "scheduled"].includes(t.state), t.state);
  });

  it("exits with status 3 naming a paused DAG, and `dags trigger` says the run waits for unpause", async () => {
    home = new Home({ toml: TOML, dags: { "p.ts": dagFile("paused", `d.bash("t", "true");`) } });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "list"]);
    await home.ok(["dags", "pause", "paused"]);
    const trigger = await home.ok(["dags", "trigger", "paused", "--run-id", "r1"]);
    assert.match(trigger, /DAG 'paused' is paused: the run waits until `switchyard dags unpause paused`/);
    const sched = await schedulerUntilIdle(home);
    assert.equal(sched.hung, false, `the scheduler never exited:\n${sched.stderr}`);
    assert.equal(sched.code, EXIT_WAITING, sched.stderr);
    assert.match(sched.stderr, /waiting on outside action/);
    assert.match(sched.stderr, /paused r1: DAG 'paused' is paused; `switchyard dags unpause paused`/);
    await home.ok(["dags", "unpause", "paused"]);
    const after = await schedulerUntilIdle(home);
    assert.equal(after.code, 0, after.stderr);
    assert.equal((await home.ok(["dags", "state", "paused", "r1"])).trim(), "success");
  });

  it("exits with status 3 naming a task's missing pool", async () => {
    home = new Home({ toml: TOML, dags: { "m.ts": dagFile("pooled", `d.bash("a", "true", { pool: "nope" }).then(d.bash("b", "true"));\nd.bash("free", "true");`) } });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "pooled", "--run-id", "r1"]);
    const sched = await schedulerUntilIdle(home);
    assert.equal(sched.hung, false, `the scheduler never exited:\n${sched.stderr}`);
    assert.equal(sched.code, EXIT_WAITING, sched.stderr);
    assert.match(sched.stderr, /pooled r1: task a: pool 'nope' does not exist; create it with `switchyard pools set nope <slots>`/);
    const states = Object.fromEntries((await home.states("pooled", "r1")).map((s) => [s.taskId, s.state]));
    assert.deepEqual(states, { a: "scheduled", b: "none", free: "success" }, "what could run did");
  });

  it("a scheduler that keeps running says once what waits and why, not on every pass", async () => {
    home = new Home({ toml: `${TOML}[scheduler]\nidle_wake_interval = 0.1\nwaiting_log_interval = 3600\n`, dags: { "p.ts": dagFile("held", `d.bash("t", "true");`) } });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "list"]);
    await home.ok(["dags", "pause", "held"]);
    await home.ok(["dags", "trigger", "held", "--run-id", "r1"]);
    const sched = home.spawn(["scheduler"]);
    let log = "";
    sched.child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
    await eventually("the waiting run to be logged", async () => log.includes("held r1: DAG 'held' is paused"));
    await home.ok(["dags", "unpause", "held"]);
    await eventually("the run to finish", async () => /DAG run finished: held run=r1 state=success/.test(log));
    sched.child.kill("SIGTERM");
    assert.equal((await sched.done).code, 0);
    assert.equal(log.match(/cannot progress without outside action/g)?.length, 1, log);
  });

  it("still exits 0 when every run finished", async () => {
    home = new Home({ toml: TOML, dags: { "ok.ts": dagFile("fine", `d.bash("t", "true");`) } });
    const { scheduler } = await home.runDag("fine");
    assert.equal(scheduler.code, 0);
    assert.doesNotMatch(scheduler.stderr, /waiting on outside action/);
  });
});
