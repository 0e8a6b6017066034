import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ExecutorOptionsError } from "../../src/executors/errors.js";
import type { TaskEvent } from "../../src/common/workload.js";
import { LocalExecutor } from "../../src/executors/local.js";
import { RunnerHandle } from "../../src/executors/local/runner-handle.js";
import { executorConformance, started } from "./conformance.js";
import { Driver, FIXTURES, TEST_FOLDERS, alive, context, tempDir, waitUntil, workload } from "./helpers.js";

function local(options: Record<string, unknown> = {}, parallelism = 4): LocalExecutor {
  return new LocalExecutor(context("LocalExecutor", { parallelism, ...options }));
}

executorConformance("LocalExecutor (warm)", { make: (p) => local({ runners: 2 }, p) });
executorConformance("LocalExecutor (process)", { make: (p) => local({ isolation: "process" }, p) });

describe("LocalExecutor", () => {
  it("compiles its options: defaults from [core] parallelism and the CPU count", () => {
    const executor = new LocalExecutor(context("LocalExecutor", {}, 3));
    assert.deepEqual(
      { ...executor.options },
      { parallelism: 3, isolation: "warm", runners: Math.min(3, executor.options.runners), runnerHeartbeatTimeoutMs: 5000 },
    );
    assert.equal(new LocalExecutor(context("LocalExecutor", { runner_heartbeat_timeout: "2" })).options.runnerHeartbeatTimeoutMs, 2000);
    assert.equal(executor.isLocal, true);
    assert.equal(new LocalExecutor(context("LocalExecutor", { parallelism: "5", runners: 2 })).parallelism, 5);
  });

  it("caps runners at its parallelism and warns: more runners than tries at once would only idle", () => {
    const warnings: string[] = [];
    const logger = { debug: () => {}, info: () => {}, warn: (m: string) => void warnings.push(m), error: () => {} };
    const executor = new LocalExecutor({ ...context("LocalExecutor", { parallelism: 2, runners: 40 }), logger });
    assert.equal(executor.options.runners, 2);
    assert.deepEqual(warnings, ["[executors.LocalExecutor] runners = 40 is more than its parallelism (2): starting 2 runners"]);
    warnings.length = 0;
    assert.equal(new LocalExecutor({ ...context("LocalExecutor", { parallelism: 4, runners: 3 }), logger }).options.runners, 3);
    assert.deepEqual(warnings, []);
  });

  it("rejects bad options with the section, the key and what is valid", () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ isolation: "thread" }, /^\[executors\.LocalExecutor\] isolation: must be one of "warm", "process" \(got "thread"\)$/],
      [{ parallelism: 0 }, /^\[executors\.LocalExecutor\] parallelism: must be an integer >= 1 .* \(got 0\)$/],
      [{ runners: 1.5 }, /^\[executors\.LocalExecutor\] runners: must be an integer >= 1/],
      [{ runner_heartbeat_timeout: 0 }, /^\[executors\.LocalExecutor\] runner_heartbeat_timeout: must be an integer >= 1 \(seconds a runner/],
      [{ bogus: 1 }, /^\[executors\.LocalExecutor\] 'bogus': unknown key; valid keys: parallelism, isolation, runners, runner_heartbeat_timeout$/],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => new LocalExecutor(context("LocalExecutor", options)), (e: unknown) => e instanceof ExecutorOptionsError && message.test(e.message));
    }
    assert.throws(() => new LocalExecutor(context("LocalExecutor", {}, 0)), /parallelism: must be an integer >= 1 \(got 0\)/);
  });

  it("a fn that crashes its runner fails only the tries in that runner; the next try runs in a replacement", async (t) => {
    const dir = await tempDir(t);
    const executor = local({ runners: 2 }, 4);
    const driver = await started(t, executor);
    // Both up: while one is still starting, both tries would go to the one that is up.
    await waitUntil(() => (executor.debugDump()["runners"] as Array<{ up: boolean }>).filter((r) => r.up).length === 2, "both runners to be up");
    const exit = workload(dir, { taskId: "crash" });
    const bystander = workload(dir, { taskId: "mark", conf: { markerFile: `${dir}/m`, ms: 500 } });
    executor.queueWorkload(exit);
    executor.queueWorkload(bystander);
    const failed = await driver.terminal(exit);
    assert.equal(failed.state, "failed");
    assert.match(failed.info.error!, /^runner process \d+ exited with signal SIGKILL while running this try$/);
    assert.ok((await readFile(exit.logPath, "utf8")).includes("exited with signal SIGKILL while running this try"));
    assert.equal((await driver.terminal(bystander)).state, "success", "the other runner's try is unaffected");
    const next = workload(dir, { taskId: "ret", runId: "after" });
    executor.queueWorkload(next);
    assert.equal((await driver.terminal(next)).state, "success");
    await waitUntil(() => (executor.debugDump()["runners"] as unknown[]).length === 2, "a replacement runner");
  });

  it("reports the tries a runner stopped for a lapsed lease as lost, not failed, and sends later tries to fresh runners", async (t) => {
    const dir = await tempDir(t);
    const driver = await started(t, local({ runners: 1 }));
    const executor = driver.executor as LocalExecutor;
    const lost: string[] = [];
    executor.onTriesLost((keys, why) => lost.push(...keys.map((k) => `${k.runId}: ${why}`)));
    executor.renewLease(Date.now() + 60_000);
    const w = workload(dir, { taskId: "sleep", runId: "stopped" });
    executor.queueWorkload(w);
    await driver.until(() => driver.of(w).some((e) => e.state === "running"), "running");
    // The last renewal: it runs out while the try sleeps (set once the try runs, so a slow runner start cannot outlast it).
    executor.renewLease(Date.now() + 1_000);
    const first = (executor.debugDump()["runners"] as Array<{ pid: number }>)[0]!.pid;
    await waitUntil(() => lost.length === 1, "the try to be reported lost", 10_000);
    assert.match(lost[0]!, /^stopped: runner process \d+ stopped it when the scheduler's lease ran out$/);
    assert.ok(!driver.of(w).some((e) => e.state === "failed" || e.state === "success"), "no terminal event for the stopped try");
    assert.equal(executor.hasTask(w.key), false);
    assert.match(await readFile(w.logPath, "utf8"), /switchyard: stopped: the scheduler's lease ran out/);

    executor.renewLease(Date.now() + 60_000); // the scheduler rejoined
    const next = workload(dir, { taskId: "ret", runId: "after" });
    executor.queueWorkload(next);
    assert.equal((await driver.terminal(next)).state, "success");
    assert.notEqual(driver.of(next)[0]!.info.pid, first, "a fresh runner, not one from before the lapse");
  });

  it("fails a bash try whose process is SIGKILLed, within seconds", async (t) => {
    const dir = await tempDir(t);
    const driver = await started(t, local({ runners: 1 }));
    const w = workload(dir, { taskId: "sleep" });
    driver.executor.queueWorkload(w);
    await driver.until(() => driver.of(w).some((e) => e.state === "running"), "running");
    const pid = driver.of(w)[0]!.info.pid!;
    const killedAt = Date.now();
    process.kill(pid, "SIGKILL");
    const end = await driver.terminal(w, 5_000);
    assert.ok(Date.now() - killedAt < 3_000);
    assert.equal(end.state, "failed");
    assert.equal(end.info.error, "killed by SIGKILL");
  });

  it("times out a try: failed with timedOut", async (t) => {
    const dir = await tempDir(t);
    const driver = await started(t, local({ runners: 1 }));
    const bash = workload(dir, { taskId: "sleep", timeout: 0.5 });
    const fn = workload(dir, { taskId: "hang", timeout: 0.5 });
    driver.executor.queueWorkload(bash);
    driver.executor.queueWorkload(fn);
    for (const w of [bash, fn]) {
      const end = await driver.terminal(w, 5_000);
      assert.equal(end.state, "failed");
      assert.equal(end.info.timedOut, true);
      assert.equal(end.info.error, "timed out after 0.5s");
    }
  });

  it("runs every try in a fresh runner with isolation 'process', which exits after it", async (t) => {
    const dir = await tempDir(t);
    const driver = await started(t, local({ isolation: "process" }, 1));
    const ws = ["a", "b"].map((runId) => workload(dir, { taskId: "ret", runId }));
    for (const w of ws) driver.executor.queueWorkload(w);
    await driver.until(() => ws.every((w) => driver.terminalOf(w)?.state === "success"), "both tries");
    const pids = ws.map((w) => driver.terminalOf(w)!.info.pid!);
    assert.notEqual(pids[0], pids[1]);
    assert.ok(!pids.includes(process.pid));
    await waitUntil(() => pids.every((pid) => !alive(pid)), "the runners to exit");
  });

  it("keeps one spare fresh runner for process isolation: the next try runs in it, and end() stops it", async (t) => {
    const dir = await tempDir(t);
    const executor = local({ isolation: "process" }, 2);
    const driver = await started(t, executor);
    const spares = () => executor.debugDump()["spareRunners"] as number[];
    assert.equal(spares().length, 1, "a spare is started with the executor");
    const spare = spares()[0]!;
    const w = workload(dir, { taskId: "ret" });
    executor.queueWorkload(w);
    const end = await driver.terminal(w);
    assert.equal(end.state, "success");
    assert.equal(end.info.pid, spare, "the try ran in the spare");
    await waitUntil(() => spares().length === 1 && spares()[0] !== spare, "a new spare");
    await waitUntil(() => !alive(spare), "the used runner to exit after its try");
    const next = spares()[0]!;
    await executor.end();
    assert.equal(alive(next), false, "end() stops the spare too");
  });

  it("starts a spare only once a try asks for process isolation", async (t) => {
    const dir = await tempDir(t);
    const executor = local({ runners: 1 }, 2);
    const driver = await started(t, executor);
    const warm = workload(dir, { taskId: "ret", runId: "warm" });
    executor.queueWorkload(warm);
    await driver.terminal(warm);
    assert.deepEqual(executor.debugDump()["spareRunners"], []);
    const fresh = workload(dir, { taskId: "ret", runId: "fresh", executorConfig: { isolation: "process" } });
    executor.queueWorkload(fresh);
    assert.equal((await driver.terminal(fresh)).state, "success");
    assert.equal((executor.debugDump()["spareRunners"] as number[]).length, 1);
  });

  it("sends the tries collected before a flush to a runner in one message, and its events come back", async (t) => {
    const dir = await tempDir(t);
    const events: TaskEvent[] = [];
    const handle = new RunnerHandle({ onEvent: (_h, e) => events.push(e), onExit: () => undefined, warn: () => undefined }, TEST_FOLDERS);
    t.after(() => handle.forceKill());
    const sends: string[] = [];
    const original = handle.child.send.bind(handle.child);
    handle.child.send = ((message: { type: string }, ...rest: unknown[]) => {
      sends.push(message.type);
      return (original as (...args: unknown[]) => boolean)(message, ...rest);
    }) as typeof handle.child.send;
    await waitUntil(() => handle.everReady, "the runner to be ready");
    const ws = ["a", "b", "c"].map((runId) => workload(dir, { taskId: "ret", runId }));
    for (const w of ws) handle.run(w);
    handle.flush();
    await waitUntil(() => events.filter((e) => e.state === "success").length === 3, "three successes");
    assert.deepEqual(sends, ["runs"]);
    assert.equal(handle.load, 0);
    handle.shutdown();
    assert.deepEqual((await handle.exited).code, 0);
  });

  it("honours executorConfig.isolation per try, and fails a try whose isolation is invalid", async (t) => {
    const dir = await tempDir(t);
    const executor = local({ runners: 1 }, 2);
    const driver = await started(t, executor);
    const warm = workload(dir, { taskId: "ret", runId: "warm" });
    executor.queueWorkload(warm);
    await driver.terminal(warm);
    const fresh = workload(dir, { taskId: "ret", runId: "fresh", executorConfig: { isolation: "process" } });
    const bad = workload(dir, { taskId: "ret", runId: "bad", executorConfig: { isolation: "thread" } });
    executor.queueWorkload(fresh);
    executor.queueWorkload(bad);
    await driver.until(() => [fresh, bad].every((w) => driver.terminalOf(w) !== undefined), "both tries");
    assert.notEqual(driver.terminalOf(fresh)!.info.pid, driver.terminalOf(warm)!.info.pid);
    const failure = driver.terminalOf(bad)!;
    assert.equal(failure.state, "failed");
    assert.equal(failure.info.error, 'executorConfig.isolation must be "warm" or "process" for the LocalExecutor "LocalExecutor", got "thread"');
  });

  it("keeps the console output of concurrent fn tries in one runner apart", async (t) => {
    const dir = await tempDir(t);
    const driver = await started(t, local({ runners: 1 }, 4));
    const ws = ["a", "b", "c", "d"].map((runId) => workload(dir, { taskId: "chatty", runId }));
    for (const w of ws) driver.executor.queueWorkload(w);
    await driver.until(() => ws.every((w) => driver.terminalOf(w)?.state === "success"), "all tries");
    assert.equal(new Set(ws.map((w) => driver.terminalOf(w)!.info.pid)).size, 1, "all in the same runner");
    for (const w of ws) {
      const lines = (await readFile(w.logPath, "utf8")).split("\n").filter((l) => /^(out|err|raw) /.test(l));
      assert.equal(lines.length, 15);
      assert.ok(lines.every((l) => l.includes(` ${w.key.runId} `)), lines.join("\n"));
    }
  });

  // The scheduler's start-up: warmUp() starts the first runner, start() the others, and the first
  // pass may send tries before all of them (or any) are up. A try must not wait for a runner's Node
  // start-up while another runner could run it now: the scheduler counts it as active meanwhile.
  it("sends tries to a runner that is up rather than to an idle one still starting", async (t) => {
    const dir = await tempDir(t);
    const executor = local({ runners: 2 }, 4);
    t.after(() => executor.terminate());
    const driver = new Driver(executor);
    t.after(() => driver.close());
    executor.warmUp();
    const first = workload(dir, { taskId: "ret", runId: "first" });
    executor.queueWorkload(first);
    const up = (await driver.terminal(first)).info.pid;
    await executor.start(); // the second runner starts now
    const ws = ["a", "b"].map((runId) => workload(dir, { taskId: "ret", runId }));
    for (const w of ws) executor.queueWorkload(w);
    await driver.until(() => ws.every((w) => driver.terminalOf(w)?.state === "success"), "both tries");
    assert.deepEqual(ws.map((w) => driver.terminalOf(w)!.info.pid), [up, up], "both in the runner that was up");
  });

  it("runs the tries sent while no runner was up in the first runner that comes up", async (t) => {
    const dir = await tempDir(t);
    const executor = local({ runners: 2 }, 4);
    const driver = await started(t, executor); // both runners are starting
    const ws = ["a", "b"].map((runId) => workload(dir, { taskId: "ret", runId }));
    for (const w of ws) executor.queueWorkload(w);
    await driver.heartbeat(); // one try to each runner, neither of them up yet
    await driver.until(() => ws.every((w) => driver.terminalOf(w)?.state === "success"), "both tries");
    const [a, b] = ws.map((w) => driver.terminalOf(w)!.info.pid);
    assert.equal(a, b, "the runner that came up first took the other's try");
    assert.equal((executor.debugDump()["runners"] as unknown[]).length, 2, "the other runner stays in the pool");
  });

  it("fails the tries of a runner that is SIGKILLed, kills their bash groups, and replaces it", async (t) => {
    const dir = await tempDir(t);
    const executor = local({ runners: 1 }, 2);
    const driver = await started(t, executor);
    const bash = workload(dir, { taskId: "sleep" });
    const fn = workload(dir, { taskId: "hang", runId: "fn" });
    executor.queueWorkload(bash);
    executor.queueWorkload(fn);
    await driver.until(() => [bash, fn].every((w) => driver.of(w).some((e) => e.state === "running")), "both running");
    const runnerPid = driver.of(fn)[0]!.info.pid!;
    const bashPid = driver.of(bash)[0]!.info.pid!;
    process.kill(runnerPid, "SIGKILL");
    await driver.until(() => [bash, fn].every((w) => driver.terminalOf(w) !== undefined), "both failed", 5_000);
    for (const w of [bash, fn]) {
      assert.equal(driver.terminalOf(w)!.state, "failed");
      assert.equal(driver.terminalOf(w)!.info.error, `runner process ${runnerPid} exited with signal SIGKILL while running this try`);
    }
    await waitUntil(() => !alive(bashPid), "the orphaned bash child to be killed", 3_000);
    const next = workload(dir, { taskId: "ret", runId: "next" });
    executor.queueWorkload(next);
    assert.equal((await driver.terminal(next)).state, "success");
  });

  it("end() lets runners finish and exit", async (t) => {
    const dir = await tempDir(t);
    const executor = local({ runners: 2 }, 2);
    await executor.start();
    t.after(() => executor.terminate());
    const driver = new Driver(executor);
    const w = workload(dir, { taskId: "ret" });
    executor.queueWorkload(w);
    await driver.terminal(w);
    const pids = (executor.debugDump()["runners"] as Array<{ pid: number }>).map((r) => r.pid);
    assert.equal(pids.length, 2);
    await executor.end();
    assert.ok(pids.every((pid) => !alive(pid)));
    driver.close();
  });

  it("leaves no orphan when the scheduler process is SIGKILLed: runners kill their bash groups and exit", async (t) => {
    const dir = await tempDir(t);
    const stub = spawn(process.execPath, [...process.execArgv.filter((a) => !a.startsWith("--test")), join(FIXTURES, "scheduler-stub.ts"), dir], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    t.after(() => {
      if (stub.exitCode === null && stub.signalCode === null) stub.kill("SIGKILL");
    });
    let out = "";
    stub.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    await waitUntil(() => out.includes("\n"), "the stub to report its try running");
    const { runner, bash } = JSON.parse(out.split("\n")[0]!) as { runner: number; bash: number };
    const exited = once(stub, "exit");
    stub.kill("SIGKILL");
    await exited;
    await waitUntil(() => !alive(runner) && !groupAlive(bash), "the runner and the whole bash group to be gone", 5_000);
  });
});

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
