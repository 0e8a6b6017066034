import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { judgeBlockedRunner, type HeldTry } from "../../../src/executors/local/blocked-runner.js";

const held = (key: string, spec: Partial<Omit<HeldTry<string>, "key">>): HeldTry<string> => ({ key, running: true, fnSlice: undefined, ...spec });

describe("judgeBlockedRunner", () => {
  it("blames the fn try whose function was called and never returned; the others are innocent", () => {
    const verdict = judgeBlockedRunner([
      held("returned", { fnSlice: "returned" }),
      held("spin", { fnSlice: "calling" }),
      held("not-called-yet", {}),
      held("bash", {}),
      held("waiting", { running: false }),
    ]);
    assert.deepEqual(verdict, { suspects: ["spin"], innocents: ["returned", "not-called-yet", "bash", "waiting"] });
  });

  it("suspects every fn try whose function returned when none is mid-call: the block is in a later slice", () => {
    assert.deepEqual(judgeBlockedRunner([held("a", { fnSlice: "returned" }), held("b", { fnSlice: "returned" }), held("bash", {})]), {
      suspects: ["a", "b"],
      innocents: ["bash"],
    });
    assert.deepEqual(judgeBlockedRunner([held("a", { fnSlice: "returned" }), held("bash", {})]), { suspects: ["a"], innocents: ["bash"] });
  });

  it("suspects the tries that had not started when no fn ran: one blocked the loop importing its DAG file", () => {
    const verdict = judgeBlockedRunner([held("bash", {}), held("w1", { running: false }), held("w2", { running: false })]);
    assert.deepEqual(verdict, { suspects: ["w1", "w2"], innocents: ["bash"] });
  });

  it("suspects nobody when only bash tries run: they cannot block the runner", () => {
    assert.deepEqual(judgeBlockedRunner([held("bash", {})]), { suspects: [], innocents: ["bash"] });
  });
});
