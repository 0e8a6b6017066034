import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { judgeBlockedRunner, type HeldTry } from "../../../src/executors/local/blocked-runner.js";

const held = (key: string, spec: Partial<Omit<HeldTry<string>, "key">>): HeldTry<string> => ({ key, running: true, fn: true, started: true, ...spec });

describe("judgeBlockedRunner", () => {
  it("blames the fn try still in its first synchronous slice; running, bash and waiting tries are innocent", () => {
    const verdict = judgeBlockedRunner([
      held("old-fn", {}),
      held("spin", { started: false }),
      held("bash", { fn: false, started: false }),
      held("waiting", { running: false, started: false }),
    ]);
    assert.deepEqual(verdict, { suspects: ["spin"], innocents: ["old-fn", "bash", "waiting"] });
  });

  it("suspects every running fn try when all had returned from their first slice: the block is in a later one", () => {
    assert.deepEqual(judgeBlockedRunner([held("a", {}), held("b", {}), held("bash", { fn: false })]), { suspects: ["a", "b"], innocents: ["bash"] });
    assert.deepEqual(judgeBlockedRunner([held("a", {}), held("bash", { fn: false })]), { suspects: ["a"], innocents: ["bash"] });
  });

  it("suspects the tries that had not started when no fn try runs: one blocked the loop importing its DAG file", () => {
    const verdict = judgeBlockedRunner([held("bash", { fn: false }), held("w1", { running: false }), held("w2", { running: false })]);
    assert.deepEqual(verdict, { suspects: ["w1", "w2"], innocents: ["bash"] });
  });

  it("suspects nobody when only bash tries run: they cannot block the runner", () => {
    assert.deepEqual(judgeBlockedRunner([held("bash", { fn: false })]), { suspects: [], innocents: ["bash"] });
  });
});
