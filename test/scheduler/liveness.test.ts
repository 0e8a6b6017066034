import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, it } from "node:test";
import { eventually, Home, ROOT, type AuditRow } from "../support/home.js";

let home: Home;
afterEach(() => home?.cleanup());


const FAST_SWEEPS = `[scheduler]
job_heartbeat_sec = 0.5
task_heartbeat_timeout = 2
zombie_detection_interval = 0.5
task_queued_timeout_check_interval = 0.5
`;

describe("liveness", () => {
  it("a try whose runner stops heartbeating is declared a zombie; its late success is rejected, not applied", async () => {
    home = new Home({
      toml: `[core]\nexecutor = "LocalExecutor"\n${FAST_SWEEPS}`,
      dags: { "z.ts": `import { dag } from "@switchyard/core";\nconst d = dag("zombie");\nd.bash("t", "sleep 4; echo finished");\nexport default d;\n` },
    });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "zombie", "--run-id", "r1"]);
    const runner = home.spawn(["tasks", "run", "zombie", "t", "r1"]);
    await eventually("the try to run", async () => ((await home.states("zombie", "r1"))[0]!.state === "running" ? true : undefined));
    runner.child.kill("SIGSTOP"); // the runner freezes: no heartbeats, no reports
    const scheduler = home.spawn(["scheduler"]);
    const failed = await eventually("the zombie to be failed", async () => {
      const s = (await home.states("zombie", "r1"))[0]!;
      return s.state === "failed" ? s : undefined;
    });
    assert.equal(failed.tryNumber, 1);
    runner.child.kill("SIGCONT");
    const late = await runner.done;
    assert.equal(late.code, 1, "tasks run says its report was rejected");
    assert.match(late.stderr, /report was rejected: the task instance had already become failed/);
    const audit = await home.json<AuditRow[]>(["dags", "audit-log", "zombie", "--task-id", "t"]);
    assert.ok(audit.some((a) => a.toState === "failed" && /zombie: no heartbeat from try 1/.test(a.reason ?? "")), JSON.stringify(audit));
    assert.ok(audit.some((a) => a.event === "report_rejected" && /late report 'success' from try 1 rejected: the task instance is already failed/.test(a.reason ?? "")));
    assert.equal((await home.states("zombie", "r1"))[0]!.state, "failed", "the late success was not applied");
    scheduler.child.kill("SIGTERM");
    assert.equal((await scheduler.done).code, 0);
  });

  it("a TI stuck in queued is revoked and rescheduled num_stuck_in_queued_retries times, then failed", async () => {
    home = new Home({
      toml: `[core]\nexecutor = "LocalExecutor,hole:./black-hole-executor.mjs#BlackHoleExecutor"\ntask_queued_timeout = 1\n${FAST_SWEEPS}num_stuck_in_queued_retries = 2\n`,
      dags: { "s.ts": `import { dag } from "@switchyard/core";\nconst d = dag("stuck");\nd.bash("lost", "true", { executor: "hole" });\nd.bash("fine", "true");\nexport default d;\n` },
    });
    fs.copyFileSync(path.join(ROOT, "test/fixtures/scheduler/black-hole-executor.mjs"), home.file("black-hole-executor.mjs"));
    const { states, runState } = await home.runDag("stuck");
    assert.equal(states.get("fine")!.state, "success");
    assert.equal(states.get("lost")!.state, "failed");
    assert.equal(states.get("lost")!.tryNumber, 3, "two reschedules, each a new try");
    assert.equal(runState, "failed");
    const audit = await home.json<AuditRow[]>(["dags", "audit-log", "stuck", "--task-id", "lost"]);
    const steps = audit.filter((a) => a.event.startsWith("stuck_in_queued"));
    assert.deepEqual(steps.map((a) => [a.event, a.toState]), [
      ["stuck_in_queued_reschedule", "scheduled"],
      ["stuck_in_queued_reschedule", "scheduled"],
      ["stuck_in_queued_failed", "failed"],
    ]);
    assert.match(steps[0]!.reason!, /queued for more than 1s without starting \(task_queued_timeout\); revoked and rescheduled \(1 of 2\)/);
    assert.match(steps[2]!.reason!, /already rescheduled 2 time\(s\)/);
  });

  it("a frozen scheduler's tries stop on their own before a peer re-runs them", async () => {
    home = new Home({ toml: `[core]\nexecutor = "LocalExecutor"\n${FAST_SWEEPS}scheduler_health_check_threshold = 3\norphaned_tasks_check_interval = 0.5\n` });
    const markers = home.file("markers.txt");
    // Try 1 outlasts what the test does to its scheduler; try 2, which must run to its end, need not wait.
    const marked = `echo "start $SWITCHYARD_TRY_NUMBER $(date +%s%3N)" >> ${markers}; if [ "$SWITCHYARD_TRY_NUMBER" = 1 ]; then sleep 8; else sleep 0.2; fi; echo "end $SWITCHYARD_TRY_NUMBER $(date +%s%3N)" >> ${markers}`;
    home.writeDag("f.ts", `import { dag } from "@switchyard/core";\nconst d = dag("frozen");\nd.bash("long", ${JSON.stringify(marked)});\nexport default d;\n`);
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "frozen", "--run-id", "r1"]);
    const frozen = home.spawn(["scheduler"]);
    await eventually("try 1 to start", async () => (fs.existsSync(markers) && fs.readFileSync(markers, "utf8").includes("start 1") ? true : undefined));
    // Frozen, not dead: its process (and its runners) live on, but it neither heartbeats nor acts.
    frozen.child.kill("SIGSTOP");
    if (home.db === "sqlite") {
      // SQLite refuses a second scheduler while the first one's heartbeat is fresh: start the peer once it is stale.
      await eventually("the frozen scheduler's heartbeat to go stale", async () =>
        home.query<{ n: number }>(`select count(*) as n from job where state = 'running' and latest_heartbeat > ${Date.now() - 3_000}`)[0]!.n === 0,
      );
    }
    const survivor = await home.run(["scheduler", "--exit-when-idle"]);
    frozen.child.kill("SIGCONT");
    assert.equal(survivor.code, 0, survivor.stderr);
    const audit = await home.json<AuditRow[]>(["dags", "audit-log", "frozen", "--task-id", "long"]);
    assert.ok(audit.some((a) => a.event === "reset" && a.tryNumber === 1 && /try 1 lost: scheduler job \d+ that queued it is dead/.test(a.reason ?? "")), JSON.stringify(audit));
    const lines = fs.readFileSync(markers, "utf8").trim().split("\n");
    assert.ok(!lines.some((l) => l.startsWith("end 1")), `try 1 was stopped by its runner, not left running beside try 2: ${lines.join("; ")}`);
    assert.ok(lines.some((l) => l.startsWith("end 2")), "try 2 ran to the end");
    const s = (await home.states("frozen", "r1"))[0]!;
    assert.deepEqual([s.state, s.tryNumber], ["success", 2]);
    frozen.child.kill("SIGTERM");
    const thawed = await frozen.done;
    assert.equal(thawed.code, 0, thawed.stderr);
    assert.match(thawed.stderr, /runner process \d+ stopped its tries because the scheduler's lease ran out/);
  });

  it("a scheduler declared dead while alive stops its tries before anyone re-runs them, then rejoins", async () => {
    home = new Home({ toml: `[core]\nexecutor = "LocalExecutor"\n${FAST_SWEEPS}scheduler_health_check_threshold = 3\n` });
    const markers = home.file("markers.txt");
    // Try 1 outlasts what the test does to its scheduler; try 2, which must run to its end, need not wait.
    const marked = `echo "start $SWITCHYARD_TRY_NUMBER $(date +%s%3N)" >> ${markers}; if [ "$SWITCHYARD_TRY_NUMBER" = 1 ]; then sleep 3; else sleep 0.2; fi; echo "end $SWITCHYARD_TRY_NUMBER $(date +%s%3N)" >> ${markers}`;
    home.writeDag("f.ts", `import { dag } from "@switchyard/core";\nconst d = dag("fenced");\nd.bash("long", ${JSON.stringify(marked)});\nexport default d;\n`);
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "fenced", "--run-id", "r1"]);
    const scheduler = home.spawn(["scheduler", "--exit-when-idle"]);
    await eventually("try 1 to start", async () => (fs.existsSync(markers) && fs.readFileSync(markers, "utf8").includes("start 1") ? true : undefined));
    // What a peer does when this scheduler's heartbeat looks stale: declare its job dead.
    home.query("update job set state = 'failed'");
    const exit = await scheduler.done;
    assert.equal(exit.code, 0, exit.stderr);
    assert.match(exit.stderr, /lease lost \(scheduler job \d+ was declared dead by another scheduler\): stopping 1 try/);
    assert.match(exit.stderr, /rejoined as scheduler job/);
    const lines = fs.readFileSync(markers, "utf8").trim().split("\n");
    assert.ok(!lines.some((l) => l.startsWith("end 1")), "try 1 was stopped, not left running beside try 2");
    assert.ok(lines.some((l) => l.startsWith("end 2")), "try 2 ran to the end");
    const s = (await home.states("fenced", "r1"))[0]!;
    assert.deepEqual([s.state, s.tryNumber], ["success", 2]);
    const log = await home.ok(["tasks", "logs", "fenced", "long", "r1", "--try", "1"]);
    assert.match(log, /switchyard: error: stopped: scheduler job \d+ lost its lease \(scheduler job \d+ was declared dead by another scheduler\)/, log);
  });
});
