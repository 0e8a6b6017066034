import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DirtyRuns } from "../../src/scheduler/dirty-runs.js";

describe("dirty runs: what dependency evaluation looks at", () => {
  it("keeps a task a candidate itself once any mark says so, whatever the order of the marks", () => {
    const dirty = new DirtyRuns();
    dirty.markChanged(1, "retried", true); // became up_for_retry: may itself be due
    dirty.markChanged(1, "retried", false); // a later success of another try in the batch must not drop that
    dirty.markChanged(1, "ended", false);
    dirty.markChanged(2, "late", false);
    dirty.markChanged(2, "late"); // default: the task itself too (sweeps, due retries, external commits)
    assert.deepEqual(
      [...dirty.drain()].map(([run, marks]) => [run, marks === "all" ? "all" : [...marks]]),
      [
        [1, [["retried", true], ["ended", false]]],
        [2, [["late", true]]],
      ],
    );
    assert.equal(dirty.size, 0);
  });

  it("puts back what a failed evaluation drained, marks and all", () => {
    const dirty = new DirtyRuns();
    dirty.markChanged(1, "a", false);
    dirty.markAll(2);
    const drained = dirty.drain();
    dirty.markChanged(1, "a", true); // marked again while the evaluation ran
    dirty.restore(drained);
    const again = dirty.drain();
    assert.deepEqual(again.get(1) === "all" ? "all" : [...again.get(1)!], [["a", true]]);
    assert.equal(again.get(2), "all");
  });
});
