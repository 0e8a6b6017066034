import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { insertAuditLogs, listAuditLogs } from "../../src/store/queries/audit.js";
import type { NewAuditLog } from "../../src/store/schema.js";
import { openTestStore, type TestStore } from "../support/store.js";

const row = (ts: number, event: string): NewAuditLog => ({
  ts, dag_id: "d", run_id: "r", task_id: "t", map_index: -1, try_number: 1, event, from_state: null, to_state: null, reason: null, source: "test",
});

describe("audit log", () => {
  let t: TestStore;
  before(async () => (t = await openTestStore()));
  after(async () => t.cleanup());

  it("never dates a row before the rows it follows: a writer whose clock is behind, or a batch out of order", async () => {
    const now = Date.now();
    await insertAuditLogs(t.store.db, [row(now + 60_000, "from a host whose clock is a minute ahead")]);
    await insertAuditLogs(t.store.db, [row(now, "behind"), row(now + 70_000, "ahead"), row(now + 65_000, "behind again")]);
    const rows = await listAuditLogs(t.store.db, { dagId: "d" });
    assert.deepEqual(rows.map((r) => r.event), ["from a host whose clock is a minute ahead", "behind", "ahead", "behind again"]);
    assert.deepEqual(rows.map((r) => Number(r.ts) - now), [60_000, 60_000, 70_000, 70_000]);
  });

  it("keeps order and the floor across the statements of a large batch (several chunks of rows)", async () => {
    const now = Date.now() + 3_600_000; // after the rows of the test above
    await insertAuditLogs(t.store.db, [{ ...row(now + 300, "ahead"), dag_id: "big0" }]);
    const batch = Array.from({ length: 450 }, (_, i) => ({ ...row(now + (i % 2 === 1 ? i : 0), `e${i}`), dag_id: "big" }));
    await insertAuditLogs(t.store.db, batch);
    const rows = await listAuditLogs(t.store.db, { dagId: "big" });
    assert.deepEqual(rows.map((r) => r.event), batch.map((r) => r.event));
    // Each row: the latest of the stored row before the batch and every row up to it.
    const expected = batch.map((_, i) => Math.max(300, i % 2 === 1 ? i : i - 1));
    assert.deepEqual(rows.map((r) => Number(r.ts) - now), expected);
  });
});
