import assert from "node:assert/strict";
import fs from "node:fs";
import { afterEach, describe, it } from "node:test";
import { eventually, Home, type TiState, type AuditRow } from "../support/home.js";

let home: Home;
afterEach(() => home?.cleanup());


describe("faults", () => {
  it("a TI in a pool that does not exist waits visibly, with the reason, until the pool appears", async () => {
    home = new Home({
      toml: `[core]\nexecutor = "LocalExecutor"\n`,
      dags: { "p.ts": `import { dag } from "@switchyard/core";\nconst d = dag("needs_pool");\nd.bash("t", "true", { pool: "gpu_pool" });\nd.bash("other", "true");\nexport default d;\n` },
    });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "needs_pool", "--run-id", "r1"]);
    const scheduler = home.spawn(["scheduler"]);
    const waiting = await eventually("the TI to show why it waits", async () => {
      const s = (await home.states("needs_pool", "r1")).find((x) => x.taskId === "t")!;
      return s.pendingReason ? s : undefined;
    });
    assert.equal(waiting.state, "scheduled");
    assert.match(waiting.pendingReason!, /pool 'gpu_pool' does not exist; create it with `switchyard pools set gpu_pool <slots>`/);
    const routing = await home.ok(["dags", "explain-routing", "needs_pool"]);
    assert.match(routing, /gpu_pool.*pool 'gpu_pool' does not exist/);
    const audit = await home.json<AuditRow[]>(["dags", "audit-log", "needs_pool", "--task-id", "t"]);
    assert.ok(audit.some((a) => a.event === "waiting" && /gpu_pool' does not exist/.test(a.reason ?? "")));
    const other = (await home.states("needs_pool", "r1")).find((x) => x.taskId === "other")!;
    assert.equal((await eventually("the other task to finish", async () => ((await home.states("needs_pool", "r1")).find((x) => x.taskId === "other")!.state === "success" ? true : undefined))), true, other.state);

    await home.ok(["pools", "set", "gpu_pool", "1"]);
    await eventually("the run to succeed once the pool exists", async () => ((await home.ok(["dags", "state", "needs_pool", "r1"])).trim() === "success" ? true : undefined));
    scheduler.child.kill("SIGTERM");
    const exit = await scheduler.done;
    assert.equal(exit.code, 0, exit.stderr);
  });

  it("a task killed with SIGKILL becomes up_for_retry, then failed, within seconds", async () => {
    home = new Home({
      toml: `[core]\nexecutor = "LocalExecutor"\n`,
      dags: { "k.ts": `import { dag } from "@switchyard/core";\nconst d = dag("killed");\nd.bash("victim", "sleep 60", { retries: 1, retryDelay: 1 });\nexport default d;\n` },
    });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "killed", "--run-id", "r1"]);
    const scheduler = home.spawn(["scheduler", "--exit-when-idle"]);
    for (const tryNumber of [1, 2]) {
      const running = await eventually(`try ${tryNumber} to run`, async () => {
        const s = (await home.states("killed", "r1"))[0]!;
        return s.state === "running" && s.tryNumber === tryNumber && s.pid ? s : undefined;
      });
      const killedAt = Date.now();
      process.kill(running.pid!, "SIGKILL");
      // up_for_retry lasts only the 1 s retry delay, so a slow poll may see the next try instead:
      // wait until this try is over, then read the path it took from the audit log.
      await eventually(`try ${tryNumber} to be recorded as over`, async () => {
        const s = (await home.states("killed", "r1"))[0]!;
        return s.tryNumber > tryNumber || (s.state !== "running" && s.state !== "queued") ? s : undefined;
      });
      assert.ok(Date.now() - killedAt < 10_000, "recorded within 10 s");
    }
    const audit = await home.json<Array<AuditRow & { tryNumber: number | null }>>(["dags", "audit-log", "killed", "--task-id", "victim"]);
    const ends = audit.filter((a) => a.fromState === "running" || a.fromState === "queued").filter((a) => a.toState === "up_for_retry" || a.toState === "failed");
    assert.deepEqual(ends.map((a) => [a.tryNumber, a.toState]), [[1, "up_for_retry"], [2, "failed"]]);
    for (const a of ends) assert.match(a.reason ?? "", /SIGKILL/, "the reason names the signal");
    assert.equal((await home.states("killed", "r1"))[0]!.state, "failed");
    const exit = await scheduler.done;
    assert.equal(exit.code, 0);
  });

  it("a scheduler killed with SIGKILL mid-run is replaced: the run completes and no try overlaps another", async () => {
    home = new Home({ toml: `[core]\nexecutor = "LocalExecutor"\n` });
    const markers = home.file("markers.txt");
    const marked = (name: string, seconds: number) =>
      `echo "start ${name}#$SWITCHYARD_TRY_NUMBER $(date +%s%3N)" >> ${markers}; sleep ${seconds}; echo "end ${name}#$SWITCHYARD_TRY_NUMBER $(date +%s%3N)" >> ${markers}`;
    home.writeDag(
      "long.ts",
      `import { dag, chain } from "@switchyard/core";\nconst d = dag("survives");\nchain(d.bash("slow", ${JSON.stringify(marked("slow", 2))}), d.bash("after", ${JSON.stringify(marked("after", 0.1))}));\nd.fn("quick", () => "done");\nexport default d;\n`,
    );
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "survives", "--run-id", "r1"]);
    const first = home.spawn(["scheduler"]);
    await eventually("slow to start", async () => (fs.existsSync(markers) && fs.readFileSync(markers, "utf8").includes("start slow#1") ? true : undefined));
    first.child.kill("SIGKILL");
    const killedAt = Date.now();
    await first.done;

    const second = await home.run(["scheduler", "--exit-when-idle"]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal((await home.ok(["dags", "state", "survives", "r1"])).trim(), "success");
    const states = new Map((await home.states("survives", "r1")).map((s) => [s.taskId, s]));
    assert.equal(states.get("slow")!.state, "success");
    assert.equal(states.get("slow")!.tryNumber, 2, "the lost try was replaced by a new one");
    assert.equal(states.get("slow")!.maxTries, 1, "the lost try does not use up a retry");

    const lines = fs.readFileSync(markers, "utf8").trim().split("\n");
    assert.ok(!lines.some((l) => l.startsWith("end slow#1")), "try 1 was stopped with its scheduler, never finishing beside try 2");
    const secondStart = Number(lines.find((l) => l.startsWith("start slow#2"))!.split(" ")[2]);
    assert.ok(secondStart >= killedAt, "try 2 started after the first scheduler died");
    assert.equal(lines.filter((l) => l.startsWith("start after")).length, 1, "the downstream task ran once");
    const audit = await home.json<AuditRow[]>(["dags", "audit-log", "survives", "--task-id", "slow"]);
    assert.ok(audit.some((a) => a.event === "reset" && /dead/.test(a.reason ?? "")), JSON.stringify(audit));
  });
});
