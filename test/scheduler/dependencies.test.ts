import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TRIGGER_RULES } from "../../src/common/states.js";
import { Home, type AuditRow } from "../support/home.js";
import { EXPECTED, SITUATIONS } from "./trigger-table.js";


describe("dependencies, retries and timeouts end to end", () => {
  let home: Home;
  before(async () => {
    home = new Home({ toml: `[core]\nexecutor = "LocalExecutor"\n` });
    await home.ok(["db", "init"]);
  });
  after(() => home.cleanup());

  it("applies all twelve trigger rules to real upstream outcomes", async () => {
    // ok1/ok2 succeed, bad fails, skip is skipped (one_failed with only successful upstream).
    const lines = [
      `import { dag } from "@switchyard/core";`,
      `const d = dag("rules");`,
      `const up = { ok1: d.bash("ok1", "true"), ok2: d.bash("ok2", "true"), bad: d.bash("bad", "exit 3") };`,
      `const skip = d.empty("skip", { triggerRule: "one_failed" }).after(up.ok1);`,
      `const pick = { success: [up.ok1, up.ok2], failed: [up.bad], skipped: [skip] };`,
    ];
    for (const [situation, states] of Object.entries(SITUATIONS)) {
      const used = { success: 0, failed: 0, skipped: 0 } as Record<string, number>;
      const ups = states.map((s) => `pick.${s}[${used[s]!++}]`);
      for (const rule of TRIGGER_RULES) lines.push(`d.empty("${rule}__${situation}", { triggerRule: "${rule}" }).after(${ups.join(", ")});`);
    }
    lines.push("export default d;");
    home.writeDag("rules.ts", lines.join("\n"));
    const { states } = await home.runDag("rules");
    assert.equal(states.get("skip")!.state, "skipped");
    assert.equal(states.get("bad")!.state, "failed");
    const wrong: string[] = [];
    for (const rule of TRIGGER_RULES) {
      for (const situation of Object.keys(SITUATIONS) as Array<keyof typeof SITUATIONS>) {
        const got = states.get(`${rule}__${situation}`)!.state;
        if (got !== EXPECTED[rule][situation]) wrong.push(`${rule} with ${situation}: ${got}, expected ${EXPECTED[rule][situation]}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it("propagates upstream_failed down a chain and fails the run", async () => {
    home.writeDag(
      "chain.ts",
      `import { dag, chain } from "@switchyard/core";
const d = dag("fail_chain");
chain(d.bash("first", "exit 1"), d.bash("second", "true"), d.fn("third", () => 1));
d.bash("independent", "true");
export default d;`,
    );
    const { states, runState } = await home.runDag("fail_chain");
    assert.equal(states.get("first")!.state, "failed");
    assert.equal(states.get("second")!.state, "upstream_failed");
    assert.equal(states.get("third")!.state, "upstream_failed");
    assert.equal(states.get("independent")!.state, "success");
    assert.equal(states.get("third")!.tryNumber, 0, "an upstream_failed task never ran");
    assert.equal(runState, "failed");
  });

  it("retries with a delay, then with exponential backoff, counting tries", async () => {
    home.writeDag(
      "retries.ts",
      `import { dag } from "@switchyard/core";
const d = dag("retries");
d.fn("flaky", (ctx) => { if (ctx.tryNumber < 2) throw new Error("try " + ctx.tryNumber + " fails on purpose"); return "ok"; }, { retries: 2, retryDelay: 1 });
d.bash("always_fails", "exit 7", { retries: 2, retryDelay: 1, retryExponentialBackoff: true });
export default d;`,
    );
    const { states, runState } = await home.runDag("retries");
    assert.equal(states.get("flaky")!.state, "success");
    assert.equal(states.get("flaky")!.tryNumber, 2);
    assert.equal(states.get("always_fails")!.state, "failed");
    assert.equal(states.get("always_fails")!.tryNumber, 3, "1 try + 2 retries");
    assert.equal(runState, "failed");

    const audit = await home.json<AuditRow[]>(["dags", "audit-log", "retries", "--task-id", "always_fails"]);
    const failures = audit.filter((a) => a.toState === "up_for_retry" || a.toState === "failed");
    assert.equal(failures.length, 3);
    assert.match(failures[0]!.reason!, /bash exited with code 7; retry 1 of 2 in 1s/);
    assert.match(failures[1]!.reason!, /retry 2 of 2 in 2s/, "the delay doubles");
    assert.match(failures[2]!.reason!, /no retries left/);
    const rescheduledAt = audit.filter((a) => a.fromState === "up_for_retry" && a.toState === "scheduled").map((a) => Date.parse(a.time));
    const failedAt = failures.map((a) => Date.parse(a.time));
    assert.equal(rescheduledAt.length, 2);
    // The failure is recorded when the scheduler applies it, a little after the try ended, so allow for that lag.
    const [gap1, gap2] = [rescheduledAt[0]! - failedAt[0]!, rescheduledAt[1]! - failedAt[1]!];
    assert.ok(gap1 >= 500 && gap1 < 5000, `waited about retryDelay (1 s) before try 2: ${gap1} ms`);
    assert.ok(gap2 >= 1500 && gap2 - gap1 >= 500, `waited about 2 x retryDelay before try 3: ${gap2} ms`);
    const log = await home.ok(["tasks", "logs", "retries", "flaky", "r1", "--try", "1"]);
    assert.match(log, /try 1 fails on purpose/);
  });

  it("kills and fails a try that exceeds its timeout", async () => {
    home.writeDag(
      "timeout.ts",
      `import { dag } from "@switchyard/core";
const d = dag("timeouts");
d.bash("slow_bash", "sleep 30", { timeout: 1 });
d.fn("slow_fn", (ctx) => new Promise((resolve, reject) => { const t = setTimeout(resolve, 30000); ctx.signal.addEventListener("abort", () => { clearTimeout(t); reject(ctx.signal.reason); }); }), { timeout: 1 });
export default d;`,
    );
    const started = Date.now();
    const { states } = await home.runDag("timeouts");
    assert.ok(Date.now() - started < 25_000, "the 30 s tasks were cut short");
    for (const t of ["slow_bash", "slow_fn"]) {
      assert.equal(states.get(t)!.state, "failed");
      assert.ok(states.get(t)!.duration! < 15, `${t} ran ${states.get(t)!.duration}s`);
    }
    const audit = await home.json<AuditRow[]>(["dags", "audit-log", "timeouts", "--task-id", "slow_bash"]);
    assert.ok(audit.some((a) => a.toState === "failed" && /timed out after 1s/.test(a.reason ?? "")), JSON.stringify(audit));
  });
});
