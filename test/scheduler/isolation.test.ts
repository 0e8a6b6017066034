import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { Home, type AuditRow } from "../support/home.js";

let home: Home;
afterEach(() => home?.cleanup());


const CULPRITS = `import { dag } from "@switchyard/core";
const d = dag("culprits");
d.fn("spin", () => { for (;;) {} });
d.fn("exit", () => process.exit(3));
d.bash("kill_parent", "kill -9 $PPID; sleep 5");
export default d;
`;

const INNOCENT = `import { setTimeout as sleep } from "node:timers/promises";
import { dag } from "@switchyard/core";
const d = dag("innocent");
for (let i = 0; i < 10; i++) d.fn(\`t\${i}\`, async () => { await sleep(1500); return i; });
export default d;
`;

describe("isolation: one task cannot fail the tries of other DAGs", () => {
  it("a blocking fn, a process.exit and a kill -9 $PPID fail only their own tries; the innocent DAG's tries run again uncounted, audited with the culprit", async () => {
    home = new Home({
      toml: `[core]\nexecutor = "LocalExecutor"\n\n[executors.LocalExecutor]\nrunners = 1\nrunner_heartbeat_timeout = 2\n`,
      dags: { "culprits.ts": CULPRITS, "innocent.ts": INNOCENT },
    });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "innocent", "--run-id", "r1"]);
    await home.ok(["dags", "trigger", "culprits", "--run-id", "r1"]);
    const scheduler = await home.run(["scheduler", "--exit-when-idle"]);
    assert.equal(scheduler.code, 0, scheduler.stderr);

    const culprits = new Map((await home.states("culprits", "r1")).map((s) => [s.taskId, s]));
    for (const task of ["spin", "exit", "kill_parent"]) assert.equal(culprits.get(task)!.state, "failed", task);
    assert.equal((await home.ok(["dags", "state", "innocent", "r1"])).trim(), "success", await home.ok(["dags", "audit-log", "innocent"]));
    const innocent = await home.states("innocent", "r1");
    assert.equal(innocent.length, 10);
    for (const s of innocent) assert.equal(s.state, "success", s.taskId);

    const audit = await home.json<AuditRow[]>(["dags", "audit-log", "innocent"]);
    const blamed = audit.filter((a) => a.toState === "failed" || a.toState === "up_for_retry");
    assert.deepEqual(blamed, [], "no innocent try failed or was retried");
    const resets = audit.filter((a) => a.event === "reset");
    assert.ok(resets.length > 0, "the innocent tries shared the blocked runner and were re-queued");
    for (const reset of resets) assert.match(reset.reason ?? "", /culprits\.spin run=r1 try=1 blocked its event loop/, JSON.stringify(reset));
    for (const s of innocent) {
      const lostTries = resets.filter((r) => r.taskId === s.taskId).length;
      assert.equal(s.tryNumber, 1 + lostTries, `${s.taskId}: each lost try was replaced by a new one`);
      assert.equal(s.maxTries, 1, `${s.taskId}: a lost try does not use up a retry`);
    }
  });
});
