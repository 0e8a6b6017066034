import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import type { TaskInstanceKey } from "../../src/common/keys.js";
import type { Workload } from "../../src/common/workload.js";
import { LocalExecutor } from "../../src/executors/local.js";
import { started } from "./conformance.js";
import { FIXTURES, context, tempDir, workload, type Driver } from "./helpers.js";

const CULPRITS_DAG = join(FIXTURES, "culprits-dag.ts");
const SLOW_IMPORT_DAG = join(FIXTURES, "slow-import-dag.ts");
const ENDLESS_IMPORT_DAG = join(FIXTURES, "endless-import-dag.ts");

/** One warm runner, so the culprit and the innocent tries share it. */
function oneRunner(options: Record<string, unknown> = {}): LocalExecutor {
  return new LocalExecutor(context("LocalExecutor", { parallelism: 4, runners: 1, runner_heartbeat_timeout: 2, ...options }));
}

function lostOf(executor: LocalExecutor): Array<{ key: TaskInstanceKey; why: string }> {
  const lost: Array<{ key: TaskInstanceKey; why: string }> = [];
  executor.onTriesLost((keys, why) => lost.push(...keys.map((key) => ({ key, why }))));
  return lost;
}

/** The fn tries whose function the runners say has returned from its synchronous call. */
function startedFnTries(executor: LocalExecutor): string[] {
  const runners = executor.debugDump()["runners"] as Array<{ fnSlices: Record<string, string> }>;
  return runners.flatMap((r) => Object.entries(r.fnSlices).filter(([, phase]) => phase === "returned").map(([key]) => key));
}

const running = (driver: Driver, w: Workload) => driver.of(w).some((e) => e.state === "running");

/** One runner with an innocent fn try of `ms` already running on it, for a culprit to be sent beside. */
async function innocentRunning(t: TestContext, ms: number) {
  const dir = await tempDir(t);
  const executor = oneRunner();
  const lost = lostOf(executor);
  const driver = await started(t, executor);
  const innocent = workload(dir, { taskId: "mark", runId: "innocent", conf: { markerFile: `${dir}/m`, ms } });
  executor.queueWorkload(innocent);
  await driver.until(() => running(driver, innocent), "the innocent try to run");
  return { dir, executor, lost, driver, innocent };
}

describe("LocalExecutor: one try cannot fail the tries of other DAGs", () => {
  it("a DAG file slower to import than runner_heartbeat_timeout is not a blocked runner: its try succeeds", async (t) => {
    const dir = await tempDir(t);
    // Silent for 3 s while it imports: past runner_heartbeat_timeout (1 s), within dagbag_import_timeout (20 s).
    const executor = new LocalExecutor({ ...context("LocalExecutor", { parallelism: 2, runners: 1, runner_heartbeat_timeout: 1 }), dagImportTimeout: 20 });
    const lost = lostOf(executor);
    const driver = await started(t, executor);
    const w = workload(dir, { taskId: "ok", dagId: "exec_slow_import", dagFile: SLOW_IMPORT_DAG });
    executor.queueWorkload(w);
    const end = await driver.terminal(w, 30_000);
    assert.equal(end.state, "success", end.info.error);
    assert.equal(end.info.returnValue, "imported");
    assert.deepEqual(lost, []);
  });

  it("a DAG file whose import never ends: its try fails after dagbag_import_timeout, naming the limit", async (t) => {
    const dir = await tempDir(t);
    const executor = new LocalExecutor({ ...context("LocalExecutor", { parallelism: 2, runners: 1, runner_heartbeat_timeout: 1 }), dagImportTimeout: 3 });
    const driver = await started(t, executor);
    const w = workload(dir, { taskId: "never", dagId: "exec_endless_import", dagFile: ENDLESS_IMPORT_DAG });
    executor.queueWorkload(w);
    const end = await driver.terminal(w, 30_000);
    assert.equal(end.state, "failed");
    assert.match(end.info.error!, /^the event loop of runner process \d+ was blocked for more than 3s while it imported the DAG file of this try \(limit: \[core\] dagbag_import_timeout;/);
  });

  it("kills a runner whose event loop an fn blocks: the culprit fails, the innocent tries are lost (re-queued), naming it", async (t) => {
    const dir = await tempDir(t);
    const executor = oneRunner();
    const lost = lostOf(executor);
    const driver = await started(t, executor);
    const innocent = workload(dir, { taskId: "hang", runId: "innocent" });
    executor.queueWorkload(innocent);
    await driver.until(() => running(driver, innocent), "the innocent try to run");
    await driver.until(() => startedFnTries(executor).includes("exec_tasks.hang run=innocent try=1"), "the runner to say the innocent fn returned");
    const spin = workload(dir, { taskId: "spin", dagId: "exec_culprits", dagFile: CULPRITS_DAG, runId: "culprit" });
    executor.queueWorkload(spin);
    await driver.until(() => running(driver, spin), "the culprit to run");
    const waiting = workload(dir, { taskId: "ret", runId: "waiting" });
    executor.queueWorkload(waiting); // sent to the blocked runner: it never starts
    const failed = await driver.terminal(spin, 20_000);
    assert.equal(failed.state, "failed");
    assert.match(failed.info.error!, /^blocked the event loop of runner process \d+ for more than 2s \(synchronous code that never yields\?\); the runner was killed$/);
    await driver.until(() => lost.length === 2, "the innocent tries reported lost");
    assert.deepEqual(lost.map((l) => l.key.runId).sort(), ["innocent", "waiting"]);
    for (const { why } of lost) assert.match(why, /^runner process \d+ was killed because exec_culprits\.spin run=culprit try=1 blocked its event loop$/);
    assert.equal(driver.terminalOf(innocent), undefined, "the innocent try is not failed");
    assert.equal(driver.terminalOf(waiting), undefined, "the never-started try is not failed");
    assert.equal(executor.heldTries().length, 0, "lost tries are no longer tracked");
    const next = workload(dir, { taskId: "ret", runId: "after" });
    executor.queueWorkload(next);
    assert.equal((await driver.terminal(next)).state, "success", "a replacement runner takes the next try");
  });

  it("tells the culprit from fn tries started in the same message to the runner, before it", async (t) => {
    const dir = await tempDir(t);
    const executor = oneRunner();
    const lost = lostOf(executor);
    const driver = await started(t, executor);
    const innocents = [1, 2, 3].map((i) => workload(dir, { taskId: "hang", runId: `innocent${i}`, priorityWeight: 10 }));
    const spin = workload(dir, { taskId: "spin", dagId: "exec_culprits", dagFile: CULPRITS_DAG, runId: "culprit", priorityWeight: 1 });
    for (const w of [...innocents, spin]) executor.queueWorkload(w);
    const failed = await driver.terminal(spin, 20_000);
    assert.match(failed.info.error!, /^blocked the event loop of runner process \d+/);
    await driver.until(() => lost.length === 3, "the innocent tries reported lost");
    assert.deepEqual(lost.map((l) => l.key.runId).sort(), ["innocent1", "innocent2", "innocent3"]);
    for (const w of innocents) assert.equal(driver.terminalOf(w), undefined);
  });

  it("blames the only running fn try when the loop blocks in a continuation after its first slice", async (t) => {
    const dir = await tempDir(t);
    const executor = oneRunner();
    const lost = lostOf(executor);
    const driver = await started(t, executor);
    const bash = workload(dir, { taskId: "sleep", runId: "bash" });
    const spin = workload(dir, { taskId: "spin_later", dagId: "exec_culprits", dagFile: CULPRITS_DAG, runId: "culprit" });
    executor.queueWorkload(bash);
    executor.queueWorkload(spin);
    const failed = await driver.terminal(spin, 20_000);
    assert.equal(failed.state, "failed");
    assert.match(failed.info.error!, /^blocked the event loop of runner process \d+/);
    await driver.until(() => lost.length === 1, "the bash try reported lost");
    assert.equal(lost[0]!.key.runId, "bash");
    assert.equal(driver.terminalOf(bash), undefined);
  });

  it("re-queues, once, the tries a runner never started when it dies of an unknown cause; the running ones fail", async (t) => {
    const dir = await tempDir(t);
    const executor = oneRunner({ runner_heartbeat_timeout: 600 });
    const lost = lostOf(executor);
    const driver = await started(t, executor);
    const spin = workload(dir, { taskId: "spin", dagId: "exec_culprits", dagFile: CULPRITS_DAG, runId: "running" });
    executor.queueWorkload(spin);
    await driver.until(() => running(driver, spin), "the spinning try to run");
    const waiting = workload(dir, { taskId: "ret", runId: "waiting" });
    executor.queueWorkload(waiting);
    await driver.heartbeat(); // sends it to the blocked runner
    const runnerPid = driver.of(spin)[0]!.info.pid!;
    process.kill(runnerPid, "SIGKILL");
    assert.equal((await driver.terminal(spin)).info.error, `runner process ${runnerPid} exited with signal SIGKILL while running this try`);
    await driver.until(() => lost.length === 1, "the never-started try reported lost");
    assert.deepEqual(lost, [{ key: waiting.key, why: `runner process ${runnerPid} exited with signal SIGKILL before this try started` }]);

    // Once only: the same task instance's next try, unstarted on a runner dying the same way, fails.
    const spin2 = workload(dir, { taskId: "spin", dagId: "exec_culprits", dagFile: CULPRITS_DAG, runId: "running2" });
    executor.queueWorkload(spin2);
    await driver.until(() => running(driver, spin2), "the second spinning try to run");
    const waiting2 = workload(dir, { taskId: "ret", runId: "waiting", tryNumber: 2 });
    executor.queueWorkload(waiting2);
    await driver.heartbeat();
    const runner2 = driver.of(spin2)[0]!.info.pid!;
    process.kill(runner2, "SIGKILL");
    assert.equal((await driver.terminal(waiting2)).info.error, `runner process ${runner2} exited with signal SIGKILL while running this try`);
    assert.equal(lost.length, 1, "not re-queued a second time");
  });

  it("fails an fn that calls process.exit on its own; the runner and the other tries live on", async (t) => {
    const { dir, executor, lost, driver, innocent } = await innocentRunning(t, 300);
    const exit = workload(dir, { taskId: "exit", dagId: "exec_culprits", dagFile: CULPRITS_DAG, runId: "culprit" });
    executor.queueWorkload(exit);
    const failed = await driver.terminal(exit);
    assert.equal(failed.state, "failed");
    assert.match(failed.info.error!, /^the task called process\.exit\(9\), which would kill the runner other tries share; fail the task by throwing instead$/);
    assert.equal((await driver.terminal(innocent)).state, "success");
    assert.deepEqual(lost, []);
  });

  it("fails an fn whose callback throws or whose stray promise rejects on its own; the runner and the other tries live on", async (t) => {
    const { dir, executor, lost, driver, innocent } = await innocentRunning(t, 1000);
    const runnerPid = driver.of(innocent)[0]!.info.pid!;
    const thrower = workload(dir, { taskId: "stray_throw", dagId: "exec_culprits", dagFile: CULPRITS_DAG, runId: "thrower" });
    const rejecter = workload(dir, { taskId: "stray_rejection", dagId: "exec_culprits", dagFile: CULPRITS_DAG, runId: "rejecter" });
    executor.queueWorkload(thrower);
    executor.queueWorkload(rejecter);
    assert.equal((await driver.terminal(thrower)).info.error, "the task raised outside the promise it returned (in a callback, or a promise nobody awaited): thrown in a callback");
    assert.equal((await driver.terminal(rejecter)).info.error, "the task raised outside the promise it returned (in a callback, or a promise nobody awaited): rejected and never awaited");
    const done = await driver.terminal(innocent);
    assert.equal(done.state, "success");
    assert.equal(done.info.pid, runnerPid, "the same runner finished it");
    assert.deepEqual(lost, []);
  });

  it("fails a bash try that SIGKILLs its parent ($PPID) on its own; the other tries live on", async (t) => {
    const { dir, executor, lost, driver, innocent } = await innocentRunning(t, 1000);
    const killer = workload(dir, { taskId: "kill_parent", dagId: "exec_culprits", dagFile: CULPRITS_DAG, runId: "culprit" });
    executor.queueWorkload(killer);
    const failed = await driver.terminal(killer);
    assert.equal(failed.state, "failed");
    assert.equal((await driver.terminal(innocent)).state, "success");
    assert.deepEqual(lost, []);
  });
});
