import assert from "node:assert/strict";
import { once } from "node:events";
import { afterEach, describe, it } from "node:test";
import { eventually, Home } from "../support/home.js";
import { processAlive } from "../../src/common/process-alive.js";

let home: Home;
/** Processes a test expects to be gone; killed afterwards if they are not, so a failure leaves nothing spinning. */
const expectedGone = new Set<number>();
afterEach(() => {
  for (const pid of expectedGone) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone, as it should be.
    }
  }
  expectedGone.clear();
  home?.cleanup();
});

/** An fn task that never yields: its runner's event loop is blocked for good. */
const SPIN_DAG = `import { dag } from "@switchyard/core";\nconst d = dag("spin");\nd.fn("spin", () => { for (;;) {} });\nexport default d;\n`;


/** Starts a scheduler on the spin DAG and returns it with the pid of the runner stuck in the fn try. */
async function schedulerWithBlockedRunner() {
  home = new Home({ toml: `[core]\nexecutor = "LocalExecutor"\n`, dags: { "spin.ts": SPIN_DAG } });
  await home.ok(["db", "init"]);
  await home.ok(["dags", "trigger", "spin", "--run-id", "r1"]);
  const scheduler = home.spawn(["scheduler"]);
  const running = await eventually("the fn try to run", async () => {
    const s = (await home.states("spin", "r1"))[0]!;
    return s.state === "running" && s.pid !== null ? s : undefined;
  });
  const runnerPid = running.pid!; // an fn try runs in its runner: this is the runner's pid
  assert.notEqual(runnerPid, scheduler.child.pid);
  expectedGone.add(runnerPid);
  return { scheduler, runnerPid };
}

describe("nothing is left behind", () => {
  it("a runner whose event loop a task blocks dies when its scheduler is SIGKILLed", async () => {
    const { scheduler, runnerPid } = await schedulerWithBlockedRunner();
    scheduler.child.kill("SIGKILL");
    // 'exit', not 'close': a runner left behind would hold the scheduler's stderr open.
    await once(scheduler.child, "exit");
    await eventually("the blocked runner to die with its scheduler", async () => !processAlive(runnerPid), 5_000);
  });

  it("a runner whose event loop a task blocks dies when its scheduler exits on a second SIGTERM", async () => {
    const { scheduler, runnerPid } = await schedulerWithBlockedRunner();
    const draining = new Promise<void>((resolve) => {
      scheduler.child.stderr!.on("data", (d: Buffer) => {
        if (d.toString().includes("finishing running tries")) resolve();
      });
    });
    scheduler.child.kill("SIGTERM");
    await draining; // the first signal waits for the try, which never ends
    scheduler.child.kill("SIGTERM");
    const [code] = (await once(scheduler.child, "exit")) as [number | null];
    assert.equal(code, 1);
    await eventually("the blocked runner to die with its scheduler", async () => !processAlive(runnerPid), 5_000);
  });

  it("the bash child of `tasks run` dies when `tasks run` is SIGKILLed", async () => {
    home = new Home({
      toml: `[core]\nexecutor = "LocalExecutor"\n`,
      dags: { "b.ts": `import { dag } from "@switchyard/core";\nconst d = dag("manual");\nd.bash("t", "sleep 60 & sleep 60; wait");\nexport default d;\n` },
    });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "manual", "--run-id", "r1"]);
    const run = home.spawn(["tasks", "run", "manual", "t", "r1"]);
    const running = await eventually("the try to run", async () => {
      const s = (await home.states("manual", "r1"))[0]!;
      return s.state === "running" && s.pid !== null ? s : undefined;
    });
    const bashPid = running.pid!; // the leader of the try's process group
    assert.notEqual(bashPid, run.child.pid);
    expectedGone.add(-bashPid);
    run.child.kill("SIGKILL");
    await once(run.child, "exit");
    await eventually("the whole bash process group to die with `tasks run`", async () => !processAlive(-bashPid), 5_000);
  });
});
