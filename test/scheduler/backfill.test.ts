import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backfillDates, MAX_BACKFILL_RUNS } from "../../src/scheduler/backfill.js";
import type { SerializedDag } from "../../src/dag/types.js";
import { serializedDag } from "../support/serialized-dag.js";

function dag(schedule: string | null, bounds: { startDate?: string; endDate?: string } = {}): SerializedDag {
  return serializedDag({ dagId: "d", schedule, startDate: bounds.startDate ?? "2026-01-01T00:00:00Z", endDate: bounds.endDate ?? null });
}

const at = (iso: string) => Date.parse(iso);
const iso = (dates: number[]) => dates.map((d) => new Date(d).toISOString());

describe("backfillDates", () => {
  it("gives every tick in the range, both ends included", () => {
    assert.deepEqual(iso(backfillDates(dag("0 6 * * *"), at("2026-02-01T06:00:00Z"), at("2026-02-03T06:00:00Z"))), [
      "2026-02-01T06:00:00.000Z",
      "2026-02-02T06:00:00.000Z",
      "2026-02-03T06:00:00.000Z",
    ]);
  });

  it("stays within the DAG's own startDate and endDate", () => {
    const bounded = dag("@daily", { startDate: "2026-03-02T00:00:00Z", endDate: "2026-03-03T00:00:00Z" });
    assert.deepEqual(iso(backfillDates(bounded, at("2026-03-01T00:00:00Z"), at("2026-03-10T00:00:00Z"))), ["2026-03-02T00:00:00.000Z", "2026-03-03T00:00:00.000Z"]);
    assert.deepEqual(backfillDates(bounded, at("2025-01-01T00:00:00Z"), at("2025-02-01T00:00:00Z")), []);
  });

  it("@once backfills its one date when the range holds it", () => {
    assert.deepEqual(iso(backfillDates(dag("@once"), at("2025-12-31T00:00:00Z"), at("2026-01-02T00:00:00Z"))), ["2026-01-01T00:00:00.000Z"]);
  });

  it("refuses a DAG without a schedule, a reversed range and a range past the cap", () => {
    assert.throws(() => backfillDates(dag(null), 0, 1), { code: "BACKFILL_NO_SCHEDULE" });
    assert.throws(() => backfillDates(dag("@daily"), at("2026-02-02T00:00:00Z"), at("2026-02-01T00:00:00Z")), { code: "BACKFILL_BAD_RANGE" });
    assert.throws(() => backfillDates(dag("@hourly"), at("2026-01-01T00:00:00Z"), at("2026-01-01T00:00:00Z") + (MAX_BACKFILL_RUNS + 1) * 3_600_000), {
      code: "BACKFILL_TOO_LARGE",
    });
  });
});
