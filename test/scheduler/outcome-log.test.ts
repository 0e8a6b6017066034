import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Home } from "../support/home.js";

/** The lines of a scheduler's output that match `pattern`. */
function lines(output: string, pattern: RegExp): string[] {
  return output.split("\n").filter((l) => pattern.test(l));
}

describe("scheduler log: failed tries, retries and finished runs", () => {
  let home: Home;
  before(async () => {
    home = new Home({ toml: `[core]\nexecutor = "LocalExecutor"\n` });
    await home.ok(["db", "init"]);
  });
  after(() => home.cleanup());

  it("writes one line per failed try, one per retry with its due time, and one per finished run", async () => {
    home.writeDag(
      "flaky.ts",
      `import { dag } from "@switchyard/core";
const d = dag("flaky", { defaults: { retries: 1, retryDelay: 1 } });
d.bash("boom", "echo failing; exit 3");
d.bash("fine", "echo ok");
export default d;`,
    );
    await home.ok(["dags", "trigger", "flaky", "--run-id", "r1"]);
    // Every scheduler's output together (SWITCHYARD_TEST_SCHEDULERS may start several): each line once in all of them.
    const out = (await home.runEverySchedulerUntilIdle()).map((r) => r.stdout + r.stderr).join("\n");
    assert.equal((await home.ok(["dags", "state", "flaky", "r1"])).trim(), "failed");
    const states = new Map((await home.states("flaky", "r1")).map((s) => [s.taskId, s]));

    const failed1 = lines(out, /try failed: flaky\.boom run=r1 try=1: /);
    const failed2 = lines(out, /try failed: flaky\.boom run=r1 try=2: /);
    assert.equal(failed1.length, 1, out);
    assert.equal(failed2.length, 1, out);
    assert.match(failed1[0]!, /\b3\b/, "the reason names the exit code");
    assert.equal(lines(out, /try failed: flaky\.fine/).length, 0, "a try that succeeded is not reported as failed");

    const retries = lines(out, /retry: flaky\.boom run=r1 try=1 is up for retry; try 2 is due at /);
    assert.equal(retries.length, 1, out);
    assert.equal(lines(out, /retry: /).length, 1, "the last try has no retry left, so no retry line");
    const due = Date.parse(/due at (\S+)/.exec(retries[0]!)![1]!);
    const boom = states.get("boom")!;
    assert.equal(boom.tryNumber, 2);
    assert.ok(Date.parse(boom.startDate!) >= due, `try 2 started at ${boom.startDate}, before the announced due time ${new Date(due).toISOString()}`);

    assert.deepEqual(
      lines(out, /DAG run finished: /).map((l) => l.replace(/^.*DAG run finished: /, "")),
      ["flaky run=r1 state=failed"],
    );
  });
});
