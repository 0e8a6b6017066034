import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { keyString } from "../../src/common/keys.js";
import type { Workload } from "../../src/common/workload.js";
import { BaseExecutor } from "../../src/executors/base.js";
import { isExecutorClass } from "../../src/executors/brand.js";
import { ExecutorOptionsError } from "../../src/executors/errors.js";
import type { ExecutorContext } from "../../src/executors/types.js";
import { context, workload } from "./helpers.js";

/** Records what the base class asks of it; fails workloads whose task id is "explode". */
class RecordingExecutor extends BaseExecutor {
  readonly triggered: string[] = [];
  syncs = 0;

  constructor(ctx: ExecutorContext, parallelism?: number) {
    super(ctx, parallelism);
  }

  protected executeAsync(w: Workload): void {
    if (w.key.taskId === "explode") throw new Error("engine refused\nmore detail");
    this.triggered.push(w.key.runId);
  }

  sync(): void {
    this.syncs++;
  }
}

const make = (parallelism = 2) => new RecordingExecutor(context("Recording"), parallelism);
const w = (runId: string, priorityWeight = 1, taskId = "ok", dagId?: string) =>
  workload("/tmp/unused", { taskId, runId, priorityWeight, ...(dagId ? { dagId } : {}) });

describe("BaseExecutor", () => {
  it("rejects parallelism <= 0 as in Airflow 3", () => {
    for (const p of [0, -1, 1.5]) {
      assert.throws(() => make(p), (e: unknown) => e instanceof ExecutorOptionsError && e.key === "parallelism" && /must be an integer >= 1/.test(e.message));
    }
    assert.equal(new RecordingExecutor(context("Recording", {}, 9)).parallelism, 9, "defaults to [core] parallelism");
  });

  it("queues a key once and counts slots", () => {
    const executor = make(3);
    assert.equal(executor.queueWorkload(w("a")), true);
    assert.equal(executor.queueWorkload(w("a")), false);
    executor.queueWorkload(w("b"));
    assert.equal(executor.slotsOccupied, 2);
    assert.equal(executor.slotsAvailable, 1);
    assert.equal(executor.hasTask(w("a").key), true);
    assert.equal(executor.hasTask(w("c").key), false);
  });

  it("heartbeat triggers open slots in stable priority order, marks them running, then syncs", async () => {
    const executor = make(2);
    for (const [runId, weight] of [["a", 1], ["b", 3], ["c", 3], ["d", 2]] as const) executor.queueWorkload(w(runId, weight));
    await executor.heartbeat();
    assert.deepEqual(executor.triggered, ["b", "c"]);
    assert.deepEqual(executor.liveTries().map(keyString), [keyString(w("b").key), keyString(w("c").key)]);
    assert.equal(executor.syncs, 1);
    await executor.heartbeat();
    assert.deepEqual(executor.triggered, ["b", "c"], "no open slot");
    executor.success(w("b").key);
    await executor.heartbeat();
    assert.deepEqual(executor.triggered, ["b", "c", "d"]);
  });

  it("fails a workload whose executeAsync throws, with its first line, and frees the slot", async () => {
    const executor = make(2);
    executor.queueWorkload(w("x", 1, "explode"));
    await executor.heartbeat();
    assert.equal(executor.heldTries().length, 0);
    const [event] = executor.getEventBuffer();
    assert.equal(event!.state, "failed");
    assert.equal(event!.info.error, "engine refused");
  });

  it("runningState keeps the key running; terminal states remove it; a later event replaces an earlier one", async () => {
    const executor = make(2);
    executor.queueWorkload(w("a"));
    await executor.heartbeat();
    executor.runningState(w("a").key, { pid: 1 });
    assert.equal(executor.liveTries().length, 1);
    executor.fail(w("a").key, { error: "x" });
    assert.equal(executor.liveTries().length, 0);
    assert.deepEqual(executor.getEventBuffer().map((e) => e.state), ["failed"]);
    executor.queued(w("b").key);
    assert.deepEqual(executor.getEventBuffer().map((e) => e.state), ["queued"]);
  });

  it("getEventBuffer(dagIds) removes only those DAGs' events", () => {
    const executor = make(2);
    executor.success(w("a", 1, "ok", "d1").key);
    executor.success(w("b", 1, "ok", "d2").key);
    executor.success(w("c", 1, "ok", "d1").key);
    assert.deepEqual(executor.getEventBuffer(new Set(["d1"])).map((e) => e.key.runId), ["a", "c"]);
    assert.deepEqual(executor.getEventBuffer().map((e) => e.key.runId), ["b"]);
  });

  it("calls onEvent listeners synchronously, survives one that throws, and unsubscribes", () => {
    const executor = make(2);
    let calls = 0;
    executor.onEvent(() => {
      throw new Error("listener bug");
    });
    const off = executor.onEvent(() => calls++);
    executor.success(w("a").key);
    assert.equal(calls, 1);
    off();
    executor.success(w("b").key);
    assert.equal(calls, 1);
  });

  it("has Airflow's defaults for the optional hooks and flags", async () => {
    const executor = make(2);
    const ref = { key: w("a").key, state: "queued", externalExecutorId: null, queue: "default", pid: null, hostname: null };
    assert.deepEqual(await executor.tryAdoptTaskInstances([ref]), [ref]);
    assert.deepEqual(await executor.getTaskLog(ref, 1), { messages: [], lines: [] });
    executor.queueWorkload(w("a"));
    await executor.revokeTask(ref);
    assert.equal(executor.hasTask(ref.key), false);
    assert.deepEqual(executor.getEventBuffer(), [], "revoke emits nothing");
    assert.deepEqual(
      [executor.isLocal, executor.isSingleThreaded, executor.isProduction, executor.servesLogs, executor.supportsAdHocRun, executor.supportsPickling, executor.supportsSentry, executor.changeSensorModeToReschedule],
      [false, false, true, false, false, true, false, false],
    );
    assert.equal(executor.debugDump()["jobId"], null);
    assert.equal(executor.triesOutliveScheduler, false);
    assert.equal(executor.externalIdFor(w("a")), null);
    assert.equal(String(executor), "RecordingExecutor(name=Recording, parallelism=2)");
    assert.deepEqual(executor.debugDump()["queued"], []);
  });

  it("stamps every event of a try it holds with that try's token; an adopted try's with the token it was given", async () => {
    const executor = make(2);
    const a = w("a");
    executor.queueWorkload(a);
    executor.queued(a.key, { externalExecutorId: "job-a" });
    await executor.heartbeat();
    executor.runningState(a.key, { pid: 1 });
    assert.deepEqual(executor.getEventBuffer().map((e) => [e.state, e.token]), [["running", a.token]]);
    executor.success(a.key);
    assert.deepEqual(executor.getEventBuffer().map((e) => [e.state, e.token]), [["success", a.token]]);
    executor.fail(a.key, { error: "a late report, after the try ended here" });
    assert.equal(executor.getEventBuffer()[0]!.token, undefined, "a try no longer held has no token to stamp");

    class Adopting extends RecordingExecutor {
      adopt(key: Workload["key"], token?: string): void {
        this.trackAdopted(key, token);
      }
    }
    const adopting = new Adopting(context("Recording"), 2);
    adopting.adopt(w("b").key, "tok-b");
    adopting.adopt(w("c").key);
    assert.deepEqual(adopting.liveTries().map((k) => k.runId), ["b", "c"]);
    adopting.success(w("b").key);
    adopting.success(w("c").key);
    assert.deepEqual(adopting.getEventBuffer().map((e) => [e.key.runId, e.token]), [["b", "tok-b"], ["c", undefined]]);
  });

  it("heldTries are queued and running tries, liveTries the running ones", async () => {
    const executor = make(1);
    executor.queueWorkload(w("a", 2));
    executor.queueWorkload(w("b", 1));
    await executor.heartbeat();
    assert.deepEqual(executor.heldTries().map((k) => k.runId), ["b", "a"]);
    assert.deepEqual(executor.liveTries().map((k) => k.runId), ["a"]);
  });

  it("releaseAll forgets every try without an event and keeps the events already buffered", async () => {
    const executor = make(2);
    executor.queueWorkload(w("a"));
    executor.queueWorkload(w("b"));
    await executor.heartbeat();
    executor.success(w("a").key);
    executor.queueWorkload(w("c"));
    await executor.releaseAll();
    assert.deepEqual(executor.heldTries(), []);
    assert.equal(executor.slotsOccupied, 0);
    assert.deepEqual(executor.getEventBuffer().map((e) => [e.key.runId, e.state]), [["a", "success"]]);
  });

  it("end() of an executor whose tries outlive the scheduler releases them at once instead of waiting", async () => {
    class Remote extends RecordingExecutor {
      override readonly triesOutliveScheduler = true;
    }
    const executor = new Remote(context("Remote"), 2);
    executor.queueWorkload(w("a"));
    await executor.heartbeat();
    executor.runningState(w("a").key);
    await executor.end(); // a BaseExecutor that waited would never return: nothing reports the try's end
    assert.deepEqual(executor.heldTries(), []);
    assert.deepEqual(executor.getEventBuffer().map((e) => e.state), ["running"]);
  });

  it("setJobId tells it the scheduler job it works for", () => {
    const executor = make(2);
    executor.setJobId(7);
    assert.equal(executor.debugDump()["jobId"], 7);
  });

  it("recognises executor classes by brand, also from another copy of the module", () => {
    assert.equal(isExecutorClass(RecordingExecutor), true);
    // Another copy of base.ts has its own class but registers the same symbol.
    const otherCopysBrand: unique symbol = Symbol.for("switchyard.executor") as never;
    class FromOtherCopy {
      static readonly [otherCopysBrand] = true;
    }
    assert.equal(isExecutorClass(FromOtherCopy), true);
    assert.equal(isExecutorClass(class Plain {}), false);
    assert.equal(isExecutorClass({ [Symbol.for("switchyard.executor")]: true }), false);
  });
});
