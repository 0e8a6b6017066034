import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import type { BaseExecutor } from "../../src/executors/base.js";
import type { ExecutorContext } from "../../src/executors/types.js";
import { executorConformance } from "./conformance.js";
import { context, tempDir, workload } from "./helpers.js";

/**
 * examples/executors/detached-executor.ts, the example of an executor whose tries outlive the
 * scheduler, through the conformance suite. Loaded as a user's module is: it imports
 * `@switchyard/core` (this package's build).
 */
const EXAMPLE = resolve(fileURLToPath(import.meta.url), "../../../examples/executors/detached-executor.ts");
const { DetachedExecutor } = (await import(EXAMPLE)) as { DetachedExecutor: new (context: ExecutorContext) => BaseExecutor & { readonly stateDir: string } };

const root = mkdtempSync(join(tmpdir(), "switchyard-detached-"));
let engines = 0;
after(() => {
  // A failed test may leave a try process running: stop every one this file started.
  for (const dir of readdirSync(root)) {
    for (const tryDir of readdirSync(join(root, dir))) {
      try {
        process.kill(Number(readFileSync(join(root, dir, tryDir, "pid"), "utf8")), "SIGKILL");
      } catch {
        // Gone, or never started.
      }
    }
  }
  rmSync(root, { recursive: true, force: true });
});

const detached = (parallelism: number, stateDir = join(root, `engine-${++engines}`)) =>
  new DetachedExecutor(context("DetachedExecutor", { parallelism, state_dir: stateDir }));

executorConformance("DetachedExecutor (examples/executors)", {
  make: (p) => detached(p),
  restarted: (previous) => detached(previous.parallelism, (previous as InstanceType<typeof DetachedExecutor>).stateDir),
  triesOutliveScheduler: true,
});

describe("DetachedExecutor (examples/executors)", () => {
  it("rejects bad options with the section, the key and what is valid", () => {
    assert.throws(() => new DetachedExecutor(context("DetachedExecutor", { bogus: 1 })), /^Error: \[executors\.DetachedExecutor\] bogus: unknown key; valid keys: parallelism, state_dir$/);
    assert.throws(() => new DetachedExecutor(context("DetachedExecutor", { parallelism: 0 })), /parallelism: must be an integer >= 1 \(got 0\)/);
    assert.throws(() => new DetachedExecutor(context("DetachedExecutor", { state_dir: "" })), /state_dir: must be a non-empty path/);
  });

  it("names a try's directory after its key alone, so the id is known before the try is sent", async (t) => {
    const dir = await tempDir(t);
    const executor = detached(1);
    const w = workload(dir, { taskId: "ok", runId: "manual__2026-01-01T00:00:00+00:00" });
    assert.equal(executor.externalIdFor(w), "exec_tasks+manual__2026-01-01T00%3A00%3A00%2B00%3A00+ok+-1+1");
    assert.equal(executor.externalIdFor({ ...w, token: "another" }), executor.externalIdFor(w));
  });
});
