/**
 * The behaviour every executor must have, as the scheduler relies on it. Each executor's test
 * file calls `executorConformance` with a factory; the tries are real (bash children, fn tasks).
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { keyString } from "../../src/common/keys.js";
import type { Workload } from "../../src/common/workload.js";
import type { BaseExecutor } from "../../src/executors/base.js";
import type { TaskInstanceRef } from "../../src/executors/types.js";
import { Driver, alive, tempDir, waitUntil, workload } from "./helpers.js";

export interface ConformanceTarget {
  /** A new, not yet started executor with (up to) this parallelism; the suite starts and stops it. */
  make(parallelism: number): BaseExecutor;
  /** False for executors whose parallelism is fixed at 1. @defaultValue true */
  parallel?: boolean;
  /**
   * True for executors whose tries outlive the scheduler (contract item 1): their end() and
   * terminate() release tries instead of waiting for or killing them, which their own tests cover.
   */
  triesOutliveScheduler?: boolean;
}

/** Start an executor for one test; terminate it (killing whatever is left) when the test ends. */
export async function started(t: TestContext, executor: BaseExecutor): Promise<Driver> {
  await executor.start();
  const driver = new Driver(executor);
  t.after(async () => {
    driver.close();
    await executor.terminate();
  });
  return driver;
}

export function refOf(w: Workload, pid: number | null = null): TaskInstanceRef {
  return { key: w.key, state: "running", externalExecutorId: null, queue: w.queue, pid, hostname: null };
}

/** Largest number of `mark` tries that were between their start and end markers at once. */
export async function maxOverlap(markerFile: string): Promise<number> {
  const lines = (await readFile(markerFile, "utf8")).trim().split("\n");
  const points = lines.map((line) => {
    const [at, what] = line.split(" ");
    return { at: Number(at), delta: what === "start" ? 1 : -1 };
  });
  // Ends before starts at the same millisecond: touching intervals do not overlap.
  points.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let max = 0;
  for (const p of points) {
    current += p.delta;
    max = Math.max(max, current);
  }
  return max;
}

export function executorConformance(label: string, target: ConformanceTarget): void {
  const parallel = target.parallel ?? true;
  const local = target.triesOutliveScheduler !== true;

  describe(`${label} conformance`, () => {
    it("queues, then on heartbeat reports running (pid, hostname) and success", async (t) => {
      const dir = await tempDir(t);
      const executor = target.make(2);
      const driver = await started(t, executor);
      const w = workload(dir, { taskId: "ok" });
      assert.equal(executor.queueWorkload(w), true);
      assert.equal(executor.hasTask(w.key), true);
      assert.equal(executor.slotsOccupied, 1);
      assert.equal(executor.slotsAvailable, executor.parallelism - 1);
      const end = await driver.terminal(w);
      assert.equal(end.state, "success", JSON.stringify(end.info));
      const states = driver.of(w).map((e) => e.state);
      assert.deepEqual(states, ["running", "success"]);
      const running = driver.of(w)[0]!.info;
      assert.equal(typeof running.pid, "number");
      assert.equal(typeof running.hostname, "string");
      assert.equal(typeof running.startDate, "number");
      assert.equal(executor.hasTask(w.key), false);
      assert.equal(executor.slotsOccupied, 0);
      assert.ok((await readFile(w.logPath, "utf8")).includes("hello from bash"));
    });

    it("reports a failing bash task as failed with its exit code", async (t) => {
      const dir = await tempDir(t);
      const driver = await started(t, target.make(2));
      const w = workload(dir, { taskId: "fail" });
      driver.executor.queueWorkload(w);
      const end = await driver.terminal(w);
      assert.equal(end.state, "failed");
      assert.equal(end.info.error, "bash exited with code 3");
    });

    it("carries an fn task's return value in the success event", async (t) => {
      const dir = await tempDir(t);
      const driver = await started(t, target.make(2));
      const w = workload(dir, { taskId: "ret" });
      driver.executor.queueWorkload(w);
      const end = await driver.terminal(w);
      assert.equal(end.state, "success");
      assert.deepEqual(end.info.returnValue, { rows: 42, at: "1970-01-01T00:00:00.000Z" });
    });

    it("triggers queued tries highest priority first, equal priorities in queueing order", async (t) => {
      const dir = await tempDir(t);
      const markerFile = join(dir, "markers");
      const driver = await started(t, target.make(1));
      const weights: Array<[string, number]> = [["p1", 1], ["p2", 5], ["p3", 3], ["p4", 5], ["p5", 1]];
      const ws = weights.map(([runId, priorityWeight]) =>
        workload(dir, { taskId: "mark", runId, priorityWeight, conf: { markerFile, ms: 10 } }),
      );
      for (const w of ws) driver.executor.queueWorkload(w);
      assert.deepEqual(driver.executor.orderQueuedTasksByPriority().map((w) => w.key.runId), ["p2", "p4", "p3", "p1", "p5"]);
      await driver.until(() => ws.every((w) => driver.terminalOf(w) !== undefined), "all tries to finish");
      const starts = (await readFile(markerFile, "utf8")).split("\n").filter((l) => l.includes(" start ")).map((l) => l.split(" ")[2]);
      assert.deepEqual(starts, ["p2", "p4", "p3", "p1", "p5"]);
      assert.equal(driver.maxRunning, 1);
    });

    it("never runs more tries at once than its parallelism", async (t) => {
      const dir = await tempDir(t);
      const markerFile = join(dir, "markers");
      const parallelism = parallel ? 3 : 1;
      const driver = await started(t, target.make(parallelism));
      const ws = Array.from({ length: 8 }, (_, i) => workload(dir, { taskId: "mark", runId: `r${i}`, conf: { markerFile, ms: 150 } }));
      for (const w of ws) driver.executor.queueWorkload(w);
      await driver.heartbeat();
      assert.equal(driver.executor.running.size, parallelism);
      assert.equal(driver.executor.queuedTasks.size, 8 - parallelism);
      assert.equal(driver.executor.slotsAvailable, parallelism - 8);
      await driver.until(() => ws.every((w) => driver.terminalOf(w)?.state === "success"), "all tries to succeed");
      assert.ok(driver.maxRunning <= parallelism, `running map held ${driver.maxRunning}`);
      const overlap = await maxOverlap(markerFile);
      assert.ok(overlap <= parallelism, `${overlap} tries overlapped`);
      if (parallel) assert.ok(overlap >= 2, "tries do run concurrently");
    });

    it("queues a key only once", async (t) => {
      const dir = await tempDir(t);
      const driver = await started(t, target.make(2));
      const w = workload(dir, { taskId: "ok" });
      assert.equal(driver.executor.queueWorkload(w), true);
      assert.equal(driver.executor.queueWorkload({ ...w }), false);
      assert.equal(driver.executor.queuedTasks.size, 1);
      await driver.terminal(w);
      assert.equal(driver.of(w).filter((e) => e.state === "success").length, 1);
      const log = await readFile(w.logPath, "utf8");
      assert.equal(log.match(/switchyard: starting/g)?.length, 1);
    });

    it("drains only the given DAGs' events from getEventBuffer(dagIds)", async (t) => {
      const dir = await tempDir(t);
      const executor = target.make(2);
      await executor.start();
      t.after(() => executor.terminate());
      const mine = workload(dir, { taskId: "ok" });
      const theirs = workload(dir, { taskId: "ok", dagId: "exec_other" });
      executor.queueWorkload(mine);
      executor.queueWorkload(theirs);
      const done = () => [mine, theirs].every((w) => executor.eventBuffer.get(keyString(w.key))?.state === "success");
      const deadline = Date.now() + 15_000;
      while (!done()) {
        assert.ok(Date.now() < deadline, "both tries finish");
        await executor.heartbeat();
        await waitUntil(done, "an event", 100, (cb) => executor.onEvent(cb)).catch(() => {});
      }
      const other = executor.getEventBuffer(new Set(["exec_other"]));
      assert.deepEqual(other.map((e) => [e.key.dagId, e.state]), [["exec_other", "success"]]);
      assert.deepEqual([...executor.eventBuffer.values()].map((e) => e.key.dagId), ["exec_tasks"]);
      assert.deepEqual(executor.getEventBuffer().map((e) => e.key.dagId), ["exec_tasks"]);
      assert.equal(executor.eventBuffer.size, 0);
    });

    it("wakes onEvent listeners synchronously as each event is buffered", async (t) => {
      const dir = await tempDir(t);
      const executor = target.make(1);
      await executor.start();
      t.after(() => executor.terminate());
      const seen: string[] = [];
      const off = executor.onEvent(() => seen.push(...[...executor.eventBuffer.values()].map((e) => e.state)));
      const w = workload(dir, { taskId: "nothing" });
      executor.queueWorkload(w);
      await executor.heartbeat();
      await waitUntil(() => seen.includes("success"), "a success event", 15_000, (cb) => executor.onEvent(cb));
      off();
      assert.equal(seen[0], "running");
    });

    it("end() waits for the tries in flight to report", { skip: !local && "its tries outlive the scheduler: end() releases them" }, async (t) => {
      const dir = await tempDir(t);
      const markerFile = join(dir, "markers");
      const executor = target.make(2);
      await executor.start();
      t.after(() => executor.terminate());
      const w = workload(dir, { taskId: "mark", conf: { markerFile, ms: 200 } });
      executor.queueWorkload(w);
      await executor.heartbeat();
      await executor.end();
      assert.equal(executor.running.size, 0);
      assert.equal(executor.eventBuffer.get(keyString(w.key))?.state, "success");
    });

    it("revokeTask forgets the try without an event and kills it", async (t) => {
      const dir = await tempDir(t);
      const driver = await started(t, target.make(2));
      const w = workload(dir, { taskId: "sleep" });
      driver.executor.queueWorkload(w);
      await driver.until(() => driver.of(w).some((e) => e.state === "running"), "the try to run");
      const pid = driver.of(w)[0]!.info.pid!;
      await driver.executor.revokeTask(refOf(w, pid));
      assert.equal(driver.executor.hasTask(w.key), false);
      await waitUntil(() => !alive(pid), "the bash child to die", 10_000);
      // Give a late report the chance to arrive: it must have been dropped.
      const probe = workload(dir, { taskId: "nothing", runId: "probe" });
      driver.executor.queueWorkload(probe);
      await driver.terminal(probe);
      assert.deepEqual(driver.of(w).map((e) => e.state), ["running"]);
    });

    it("terminate() kills what runs now", { skip: !local && "its tries outlive the scheduler: terminate() releases them" }, async (t) => {
      const dir = await tempDir(t);
      const executor = target.make(2);
      const driver = await started(t, executor);
      const w = workload(dir, { taskId: "sleep" });
      executor.queueWorkload(w);
      await driver.until(() => driver.of(w).some((e) => e.state === "running"), "the try to run");
      const pid = driver.of(w)[0]!.info.pid!;
      const before = Date.now();
      await executor.terminate();
      await waitUntil(() => !alive(pid), "the bash child to die", 10_000);
      assert.ok(Date.now() - before < 7_000);
    });
  });
}
