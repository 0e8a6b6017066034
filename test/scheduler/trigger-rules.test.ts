import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TRIGGER_RULES } from "../../src/common/states.js";
import { countUpstream, emptyCounts, evaluateTriggerRule } from "../../src/scheduler/trigger-rules.js";
import { EXPECTED, SITUATIONS, type Situation } from "./trigger-table.js";

describe("trigger rules (pure evaluation)", () => {
  it("covers all twelve rules", () => {
    assert.equal(TRIGGER_RULES.length, 12);
    assert.deepEqual(Object.keys(EXPECTED).sort(), [...TRIGGER_RULES].sort());
  });

  for (const rule of TRIGGER_RULES) {
    it(`${rule}: settles finished upstream as Airflow does`, () => {
      for (const [situation, states] of Object.entries(SITUATIONS) as Array<[Situation, readonly string[]]>) {
        const counts = emptyCounts(states.length);
        for (const s of states) countUpstream(counts, s);
        const decision = evaluateTriggerRule(rule, counts);
        const expected = EXPECTED[rule][situation];
        assert.equal(decision === "run" ? "success" : decision, expected, `${rule} with upstream ${states.join("+")}`);
      }
    });
  }

  it("waits while upstream is unfinished unless the outcome is already settled", () => {
    const counts = emptyCounts(2);
    countUpstream(counts, "failed"); // the other upstream is still running
    assert.equal(evaluateTriggerRule("all_success", counts), "upstream_failed", "one failure settles all_success at once");
    assert.equal(evaluateTriggerRule("one_failed", counts), "run", "one_failed does not wait for the rest");
    assert.equal(evaluateTriggerRule("all_done", counts), "wait");
    assert.equal(evaluateTriggerRule("none_skipped", counts), "wait");
    assert.equal(evaluateTriggerRule("always", emptyCounts(3)), "run");
    assert.equal(evaluateTriggerRule("one_success", emptyCounts(2)), "wait");
  });
});
