import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TaskEvent } from "../../src/common/workload.js";
import { EventOutbox } from "../../src/runner/event-outbox.js";

function event(runId: string, state: TaskEvent["state"]): TaskEvent {
  return { key: { dagId: "d", taskId: "t", runId, mapIndex: -1, tryNumber: 1 }, state, info: {} };
}

describe("EventOutbox", () => {
  it("sends the events of one turn of the event loop as one batch, in order", async () => {
    const batches: string[][] = [];
    const outbox = new EventOutbox(async (events) => {
      batches.push(events.map((e) => `${e.key.runId}:${e.state}`));
    });
    await Promise.all([outbox.send(event("a", "running")), outbox.send(event("a", "success")), outbox.send(event("b", "running"))]);
    await outbox.send(event("b", "failed"));
    assert.deepEqual(batches, [["a:running", "a:success", "b:running"], ["b:failed"]]);
  });

  it("rejects every send of a batch whose write failed, and keeps working", async () => {
    let fail = true;
    const outbox = new EventOutbox(async () => {
      if (fail) throw new Error("channel closed");
    });
    const results = await Promise.allSettled([outbox.send(event("a", "running")), outbox.send(event("b", "running"))]);
    assert.deepEqual(results.map((r) => r.status), ["rejected", "rejected"]);
    fail = false;
    await outbox.send(event("c", "success"));
  });

  it("rejects when the writer throws synchronously", async () => {
    const outbox = new EventOutbox(() => {
      throw new Error("not connected");
    });
    await assert.rejects(outbox.send(event("a", "running")), /not connected/);
  });
});
