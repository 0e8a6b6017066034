import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { Home } from "../support/home.js";

let home: Home;
afterEach(() => home?.cleanup());

// What docs/dags.md says `queue` does today: it is recorded (task instance, workload, explain-routing)
// and picks nothing: the built-in executors run a task whatever its queue.
describe("queue", () => {
  it("is recorded on the task instance, defaults to [core] default_queue, and does not change where the task runs", async () => {
    home = new Home({
      toml: `[core]\nexecutor = "LocalExecutor,fast:LocalExecutor"\ndefault_queue = "batch"\n`,
      dags: {
        "q.ts": `import { dag } from "@switchyard/core";
const d = dag("queues");
d.bash("io_task", "echo io", { queue: "io" });
d.bash("fast_io", "echo fast", { queue: "io", executor: "fast" });
d.bash("plain", "echo plain");
export default d;
`,
      },
    });
    const { states, runState } = await home.runDag("queues");
    assert.equal(runState, "success");
    assert.deepEqual(
      [...states.values()].map((s) => [s.taskId, s.queue, s.executor, s.state]).sort(),
      [
        ["fast_io", "io", "fast", "success"],
        ["io_task", "io", "LocalExecutor", "success"],
        ["plain", "batch", "LocalExecutor", "success"],
      ],
    );
  });
});
