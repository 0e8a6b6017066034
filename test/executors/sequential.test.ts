import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ExecutorOptionsError } from "../../src/executors/errors.js";
import { SequentialExecutor } from "../../src/executors/sequential.js";
import { executorConformance } from "./conformance.js";
import { context } from "./helpers.js";

executorConformance("SequentialExecutor", {
  make: () => new SequentialExecutor(context("SequentialExecutor")),
  parallel: false,
  // Its tries run inside the scheduler's process: a frozen scheduler freezes them, a fenced one revokes them.
  stopsTriesOnLeaseLoss: false,
});

describe("SequentialExecutor", () => {
  it("has parallelism 1 whatever [core] parallelism is, and the flags of an in-process executor", () => {
    const executor = new SequentialExecutor(context("SequentialExecutor", {}, 32));
    assert.equal(executor.parallelism, 1);
    assert.equal(executor.isLocal, true);
    assert.equal(executor.isSingleThreaded, true);
    assert.equal(executor.isProduction, false);
  });

  it("rejects a configured parallelism other than 1, saying why", () => {
    assert.throws(
      () => new SequentialExecutor(context("SequentialExecutor", { parallelism: 4 })),
      (error: unknown) =>
        error instanceof ExecutorOptionsError &&
        error.key === "parallelism" &&
        /^\[executors\.SequentialExecutor\] parallelism: must be 1: the SequentialExecutor runs one try at a time/.test(error.message),
    );
    assert.equal(new SequentialExecutor(context("SequentialExecutor", { parallelism: 1 })).parallelism, 1);
  });
});
