/**
 * The behaviour every executor must have, as the scheduler relies on it. Each executor's test
 * file calls `executorConformance` with a factory; the tries are real (bash children, fn tasks).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { keyString } from "../../src/common/keys.js";
import type { Workload } from "../../src/common/workload.js";
import type { BaseExecutor } from "../../src/executors/base.js";
import type { TaskInstanceRef } from "../../src/executors/types.js";
import { Driver, alive, tempDir, waitUntil, workload } from "./helpers.js";

export interface ConformanceTarget {
  /**
   * A new, not yet started executor with (up to) this parallelism; the suite starts and stops it.
   * Each call gets an engine of its own (no tries shared with another call's executor).
   */
  make(parallelism: number): BaseExecutor;
  /**
   * The executor a restarted scheduler would create in place of `previous`: the same
   * configuration and the same engine, so it can adopt `previous`'s tries by external id.
   * Required when `triesOutliveScheduler` is true. @defaultValue make(previous.parallelism)
   */
  restarted?(previous: BaseExecutor): BaseExecutor;
  /** False for executors whose parallelism is fixed at 1. @defaultValue true */
  parallel?: boolean;
  /** What the executor declares (the suite checks it does): its tries outlive the scheduler. @defaultValue false */
  triesOutliveScheduler?: boolean;
  /**
   * Whether its tries stop by themselves once the lease handed to `renewLease()` runs out, and
   * are reported through `onTriesLost`. False for tries that run inside the scheduler's own
   * process (a frozen scheduler freezes them; a fenced one revokes them) and for tries that
   * outlive the scheduler (they are released for adoption). @defaultValue !triesOutliveScheduler
   */
  stopsTriesOnLeaseLoss?: boolean;
  /**
   * Whether the running event carries the try's pid. False where the engine does not expose it
   * when the try starts (a pod's processes are the kubelet's business; its phase says it runs).
   * @defaultValue true
   */
  reportsPid?: boolean;
  /**
   * How long the suite waits for tries to finish. Longer where each try starts a process of its
   * own through an engine (a pod's `switchyard tasks run`). @defaultValue 15_000
   */
  timeoutMs?: number;
}

/** Start an executor for one test; terminate it (killing whatever is left) when the test ends. */
export async function started(t: TestContext, executor: BaseExecutor, timeoutMs?: number): Promise<Driver> {
  await executor.start();
  const driver = new Driver(executor, timeoutMs);
  t.after(async () => {
    driver.close();
    await executor.terminate();
  });
  return driver;
}

/** The TaskInstanceRef the scheduler would hand over for `w`'s try. */
export function refOf(w: Workload, pid: number | null = null, externalExecutorId: string | null = null, state = "running"): TaskInstanceRef {
  return { key: w.key, state, externalExecutorId, queue: w.queue, pid, hostname: null };
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

/** `promise`, or a failure naming `what` once `ms` have passed (a hang says less than a failed assertion). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

export function executorConformance(label: string, target: ConformanceTarget): void {
  const parallel = target.parallel ?? true;
  const outlives = target.triesOutliveScheduler ?? false;
  const stopsOnLeaseLoss = target.stopsTriesOnLeaseLoss ?? !outlives;
  const restarted = (previous: BaseExecutor): BaseExecutor => {
    if (target.restarted) return target.restarted(previous);
    if (outlives) throw new Error(`${label}: a target whose tries outlive the scheduler must define restarted()`);
    return target.make(previous.parallelism);
  };

  const timeoutMs = target.timeoutMs ?? 15_000;
  const start = (t: TestContext, executor: BaseExecutor) => started(t, executor, timeoutMs);

  describe(`${label} conformance`, () => {
    it(`declares triesOutliveScheduler = ${outlives}`, () => {
      assert.equal(target.make(1).triesOutliveScheduler, outlives);
    });

    it("queues, then on heartbeat reports running (pid, hostname) and success, each event with its try's token", async (t) => {
      const dir = await tempDir(t);
      const executor = target.make(2);
      const driver = await start(t, executor);
      const w = workload(dir, { taskId: "ok" });
      assert.equal(executor.queueWorkload(w), true);
      assert.equal(executor.hasTask(w.key), true);
      assert.equal(executor.slotsOccupied, 1);
      assert.equal(executor.slotsAvailable, executor.parallelism - 1);
      const end = await driver.terminal(w);
      assert.equal(end.state, "success", JSON.stringify(end.info));
      const states = driver.of(w).map((e) => e.state);
      assert.deepEqual(states, ["running", "success"]);
      for (const event of driver.of(w)) assert.equal(event.token, w.token, `the ${event.state} event carries the workload's token`);
      const running = driver.of(w)[0]!.info;
      if (target.reportsPid ?? true) assert.equal(typeof running.pid, "number");
      assert.equal(typeof running.hostname, "string");
      assert.equal(typeof running.startDate, "number");
      assert.equal(executor.hasTask(w.key), false);
      assert.equal(executor.slotsOccupied, 0);
      assert.ok((await readFile(w.logPath, "utf8")).includes("hello from bash"));
    });

    it("reports a failing bash task as failed with its exit code", async (t) => {
      const dir = await tempDir(t);
      const driver = await start(t, target.make(2));
      const w = workload(dir, { taskId: "fail" });
      driver.executor.queueWorkload(w);
      const end = await driver.terminal(w);
      assert.equal(end.state, "failed");
      assert.equal(end.info.error, "bash exited with code 3");
    });

    it("carries an fn task's return value in the success event", async (t) => {
      const dir = await tempDir(t);
      const driver = await start(t, target.make(2));
      const w = workload(dir, { taskId: "ret" });
      driver.executor.queueWorkload(w);
      const end = await driver.terminal(w);
      assert.equal(end.state, "success");
      assert.deepEqual(end.info.returnValue, { rows: 42, at: "1970-01-01T00:00:00.000Z" });
    });

    it("triggers queued tries highest priority first, equal priorities in queueing order", async (t) => {
      const dir = await tempDir(t);
      const markerFile = join(dir, "markers");
      const executor = target.make(1);
      const driver = await start(t, executor);
      const weights: Array<[string, number]> = [["p1", 1], ["p2", 5], ["p3", 3], ["p4", 5], ["p5", 1]];
      const ws = weights.map(([runId, priorityWeight]) =>
        workload(dir, { taskId: "mark", runId, priorityWeight, conf: { markerFile, ms: 10 } }),
      );
      for (const w of ws) driver.executor.queueWorkload(w);
      assert.deepEqual(executor.orderQueuedTasksByPriority().map((w) => w.key.runId), ["p2", "p4", "p3", "p1", "p5"]);
      await driver.until(() => ws.every((w) => driver.terminalOf(w) !== undefined), "all tries to finish");
      const starts = (await readFile(markerFile, "utf8")).split("\n").filter((l) => l.includes(" start ")).map((l) => l.split(" ")[2]);
      assert.deepEqual(starts, ["p2", "p4", "p3", "p1", "p5"]);
      assert.equal(driver.maxRunning, 1);
    });

    it("never runs more tries at once than its parallelism", async (t) => {
      const dir = await tempDir(t);
      const markerFile = join(dir, "markers");
      const parallelism = parallel ? 3 : 1;
      const driver = await start(t, target.make(parallelism));
      // Long enough to overlap even where a try takes a process start (and the machine is busy).
      // One at a time, any length shows an overlap: 8 tries of 600 ms would only wait.
      const ms = parallel ? 600 : 100;
      const ws = Array.from({ length: 8 }, (_, i) => workload(dir, { taskId: "mark", runId: `r${i}`, conf: { markerFile, ms } }));
      for (const w of ws) driver.executor.queueWorkload(w);
      await driver.heartbeat();
      assert.equal(driver.executor.heldTries().length, 8);
      assert.equal(driver.executor.slotsAvailable, parallelism - 8);
      await driver.until(() => ws.every((w) => driver.terminalOf(w)?.state === "success"), "all tries to succeed");
      assert.ok(driver.maxRunning <= parallelism, `running map held ${driver.maxRunning}`);
      const overlap = await maxOverlap(markerFile);
      assert.ok(overlap <= parallelism, `${overlap} tries overlapped`);
      if (parallel) assert.ok(overlap >= 2, "tries do run concurrently");
    });

    it("queues a key only once", async (t) => {
      const dir = await tempDir(t);
      const driver = await start(t, target.make(2));
      const w = workload(dir, { taskId: "ok" });
      assert.equal(driver.executor.queueWorkload(w), true);
      assert.equal(driver.executor.queueWorkload({ ...w }), false);
      assert.equal(driver.executor.heldTries().length, 1);
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
      // A try's terminal event is buffered as it stops being held: nothing is drained until both are.
      const done = () => [mine, theirs].every((w) => !executor.hasTask(w.key));
      const deadline = Date.now() + timeoutMs;
      while (!done()) {
        assert.ok(Date.now() < deadline, "both tries finish");
        await executor.heartbeat();
        await waitUntil(done, "an event", 100, (cb) => executor.onEvent(cb)).catch(() => {});
      }
      const other = executor.getEventBuffer(new Set(["exec_other"]));
      assert.deepEqual(other.map((e) => [e.key.dagId, e.state]), [["exec_other", "success"]]);
      assert.deepEqual(executor.getEventBuffer().map((e) => [e.key.dagId, e.state]), [["exec_tasks", "success"]]);
      assert.deepEqual(executor.getEventBuffer(), []);
    });

    it("wakes onEvent listeners synchronously as each event is buffered", async (t) => {
      const dir = await tempDir(t);
      const executor = target.make(1);
      await executor.start();
      t.after(() => executor.terminate());
      const seen: string[] = [];
      const off = executor.onEvent(() => seen.push(...executor.getEventBuffer().map((e) => e.state)));
      const w = workload(dir, { taskId: "nothing" });
      executor.queueWorkload(w);
      await executor.heartbeat();
      await waitUntil(() => seen.includes("success"), "a success event", timeoutMs, (cb) => executor.onEvent(cb));
      off();
      assert.equal(seen[0], "running");
    });

    if (!outlives) {
      it("end() waits for the tries in flight to report", async (t) => {
        const dir = await tempDir(t);
        const markerFile = join(dir, "markers");
        const executor = target.make(2);
        await executor.start();
        t.after(() => executor.terminate());
        const w = workload(dir, { taskId: "mark", conf: { markerFile, ms: 200 } });
        executor.queueWorkload(w);
        await executor.heartbeat();
        await executor.end();
        assert.deepEqual(executor.heldTries(), []);
        assert.equal(executor.getEventBuffer().find((e) => keyString(e.key) === keyString(w.key))?.state, "success");
      });
    } else {
      it("end() waits for no try: it releases them, running, for the next scheduler to adopt", async (t) => {
        const dir = await tempDir(t);
        const markerFile = join(dir, "markers");
        const gateFile = join(dir, "gate");
        const first = target.make(2);
        const driver = await start(t, first);
        // The try runs until the gate opens, after end(): an end() that waited for it would not return.
        const w = workload(dir, { taskId: "gated", conf: { markerFile, gateFile } });
        first.queueWorkload(w);
        await driver.until(() => driver.of(w).some((e) => e.state === "running"), "the try to run");
        const before = Date.now();
        await within(first.end(), 2_000, "end() returning while its try runs");
        assert.ok(Date.now() - before < 2_000, `end() returned after ${Date.now() - before} ms`);
        assert.deepEqual(first.heldTries(), []);
        const second = await start(t, restarted(first));
        const ref = refOf(w, driver.of(w)[0]!.info.pid ?? null, first.externalIdFor(w) ?? driver.of(w)[0]!.info.externalExecutorId ?? null);
        assert.deepEqual(await second.executor.tryAdoptTaskInstances([ref]), [], "the released try is adopted");
        await writeFile(gateFile, "");
        assert.equal((await second.terminal(w)).state, "success");
      });
    }

    it("revokeTask of a queued try forgets it without an event, and it never runs", async (t) => {
      const dir = await tempDir(t);
      const driver = await start(t, target.make(2));
      const w = workload(dir, { taskId: "ok", runId: "revoked" });
      driver.executor.queueWorkload(w);
      await driver.executor.revokeTask(refOf(w, null, null, "queued"), "stuck in queued");
      assert.equal(driver.executor.hasTask(w.key), false);
      assert.deepEqual(driver.executor.getEventBuffer(), [], "revokeTask buffers no event");
      const probe = workload(dir, { taskId: "nothing", runId: "probe" });
      driver.executor.queueWorkload(probe);
      await driver.terminal(probe);
      assert.deepEqual(driver.of(w), []);
      assert.equal(existsSync(w.logPath), false, "the revoked try never started");
    });

    if (stopsOnLeaseLoss) {
      it("lease loss: tries stop by themselves once the lease runs out, reported through onTriesLost, with no event", async (t) => {
        const dir = await tempDir(t);
        const driver = await start(t, target.make(2));
        const executor = driver.executor;
        const lost: Array<{ key: string; why: string }> = [];
        executor.onTriesLost((keys, why) => lost.push(...keys.map((key) => ({ key: keyString(key), why }))));
        executor.renewLease(Date.now() + 60_000);
        const w = workload(dir, { taskId: "sleep" });
        executor.queueWorkload(w);
        await driver.until(() => driver.of(w).some((e) => e.state === "running"), "the try to run");
        const pid = driver.of(w)[0]!.info.pid!;
        executor.renewLease(Date.now() + 300); // the last renewal: the scheduler stops renewing
        await waitUntil(() => lost.length > 0, "the try to be reported lost", 10_000);
        assert.deepEqual(lost.map((l) => l.key), [keyString(w.key)]);
        assert.ok(lost[0]!.why.length > 0, "says why");
        await waitUntil(() => !alive(pid), "the try's process to stop", 10_000);
        assert.equal(executor.hasTask(w.key), false);
        await driver.heartbeat();
        assert.deepEqual(driver.of(w).map((e) => e.state), ["running"], "no terminal event for a lost try");
      });
    } else {
      it("lease loss: a lapsed lease stops nothing; the try runs to its end", async (t) => {
        const dir = await tempDir(t);
        const markerFile = join(dir, "markers");
        const driver = await start(t, target.make(2));
        const executor = driver.executor;
        const lost: string[] = [];
        executor.onTriesLost((keys) => lost.push(...keys.map(keyString)));
        executor.renewLease(Date.now() + 60_000);
        const w = workload(dir, { taskId: "mark", conf: { markerFile, ms: 1_500 } });
        executor.queueWorkload(w);
        await driver.until(() => driver.of(w).some((e) => e.state === "running"), "the try to run");
        executor.renewLease(Date.now() + 100);
        assert.equal((await driver.terminal(w)).state, "success");
        assert.deepEqual(lost, []);
      });
    }

    if (outlives) {
      it("adoption after a scheduler restart: releaseAll() leaves the try running, a restarted executor adopts it by external id and reports its end", async (t) => {
        const dir = await tempDir(t);
        const markerFile = join(dir, "markers");
        const gateFile = join(dir, "gate");
        const first = target.make(2);
        const driver = await start(t, first);
        // Still running when adopted, however slow the machine: it ends when the gate opens, after the adoption.
        const w = workload(dir, { taskId: "gated", conf: { markerFile, gateFile } });
        const externalId = first.externalIdFor(w);
        first.queueWorkload(w);
        await driver.until(() => driver.of(w).some((e) => e.state === "running"), "the try to run");
        const running = driver.of(w)[0]!.info;
        await first.releaseAll(); // the scheduler lost its lease, or died
        assert.equal(first.hasTask(w.key), false);
        assert.deepEqual(first.heldTries(), []);

        const second = await start(t, restarted(first));
        const ref = refOf(w, running.pid ?? null, externalId ?? running.externalExecutorId ?? null);
        const unknown = refOf(workload(dir, { taskId: "ok", runId: "never-sent" }), null, null, "queued");
        const notAdopted = await second.executor.tryAdoptTaskInstances([ref, unknown]);
        assert.deepEqual(notAdopted, [unknown], "adopts the running try, not one it never received");
        assert.equal(second.executor.hasTask(w.key), true);
        await writeFile(gateFile, "");
        const end = await second.terminal(w);
        assert.equal(end.state, "success", JSON.stringify(end.info));
        assert.equal(end.token, w.token, "an adopted try's events carry its token too");
        assert.equal((await readFile(w.logPath, "utf8")).match(/switchyard: starting/g)?.length, 1, "it ran once, as try 1");
        await first.heartbeat();
        assert.deepEqual(first.getEventBuffer().filter((e) => e.state === "success" || e.state === "failed"), [], "the released executor reports nothing for it");
      });
    } else {
      it("adoption after a scheduler restart: the tries died with it, so none is adopted and the scheduler resets them", async (t) => {
        const dir = await tempDir(t);
        const first = target.make(2);
        const driver = await start(t, first);
        const w = workload(dir, { taskId: "sleep" });
        first.queueWorkload(w);
        await driver.until(() => driver.of(w).some((e) => e.state === "running"), "the try to run");
        const running = driver.of(w)[0]!.info;
        await first.terminate(); // the scheduler died, and its tries with it
        await waitUntil(() => !alive(running.pid!), "the try to die with its executor", 10_000);
        const second = await start(t, restarted(first));
        const ref = refOf(w, running.pid ?? null, first.externalIdFor(w) ?? running.externalExecutorId ?? null);
        assert.deepEqual(await second.executor.tryAdoptTaskInstances([ref]), [ref]);
        assert.equal(second.executor.hasTask(w.key), false);
      });
    }

    it("terminate() kills what runs now", { skip: outlives && "its tries outlive the scheduler: terminate() releases them" }, async (t) => {
      const dir = await tempDir(t);
      const executor = target.make(2);
      const driver = await start(t, executor);
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
