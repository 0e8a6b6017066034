import assert from "node:assert/strict";
import fs from "node:fs";
import { afterEach, describe, it } from "node:test";
import { eventually, Home, type AuditRow } from "../support/home.js";
import { SCALED_DOWN_LEASE } from "../support/leases.js";
import { processAlive } from "../../src/common/process-alive.js";

let home: Home;
afterEach(() => home?.cleanup());

const LOGS = "logs";

describe("a scheduler that loses its lease", () => {
  it("stopped (SIGSTOP) for longer than its lease, then continued: its tries run again as new tries, not counted against retries", async () => {
    home = new Home({ toml: `[core]\nexecutor = "LocalExecutor"\n[logging]\nbase_log_folder = "${LOGS}"\n${SCALED_DOWN_LEASE}` });
    const markers = home.file("markers.txt");
    // Try 1 outlasts the lease, so its runner must stop it; the tries that replace it need not wait.
    const pause = 'if [ "$SWITCHYARD_TRY_NUMBER" = 1 ]; then sleep 8; else sleep 0.2; fi';
    const marked = `echo "start $SWITCHYARD_TASK_ID#$SWITCHYARD_TRY_NUMBER" >> ${markers}; ${pause}; echo "end $SWITCHYARD_TASK_ID#$SWITCHYARD_TRY_NUMBER" >> ${markers}`;
    const tasks = ["a", "b", "c", "d"];
    home.writeDag(
      "p.ts",
      `import { dag } from "@switchyard/core";\nconst d = dag("paused");\n${tasks.map((t) => `d.bash(${JSON.stringify(t)}, ${JSON.stringify(marked)});`).join("\n")}\nexport default d;\n`,
    );
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "paused", "--run-id", "r1"]);
    const scheduler = home.spawn(["scheduler", "--exit-when-idle"]);
    // Started, and recorded as running with their pids (what the next wait watches).
    let seen = "";
    await eventually("the four tries to start", async () => {
      const text = fs.existsSync(markers) ? fs.readFileSync(markers, "utf8") : "";
      const states = await home.states("paused", "r1");
      seen = `${text} ${JSON.stringify(states.map((s) => [s.taskId, s.state, s.tryNumber, s.pid]))}`;
      return tasks.every((t) => text.includes(`start ${t}#1`)) && states.every((s) => s.state === "running" && s.pid !== null) ? true : undefined;
    }).catch(async (err: Error) => {
      scheduler.child.kill("SIGKILL");
      throw new Error(`${err.message}; last seen: ${seen}; scheduler: ${await scheduler.done.then((r) => r.stderr)}`);
    });
    scheduler.child.kill("SIGSTOP");
    // Past the lease (3 s), short of the tries' end (8 s): their runners stop them.
    await eventually("the runners to stop the tries of the stopped scheduler", async () => {
      const running = await home.states("paused", "r1");
      return running.every((s) => s.pid !== null && !processAlive(s.pid)) ? true : undefined;
    });
    scheduler.child.kill("SIGCONT");
    const exit = await scheduler.done;
    assert.equal(exit.code, 0, exit.stderr);

    assert.equal((await home.ok(["dags", "state", "paused", "r1"])).trim(), "success", exit.stderr);
    const states = await home.states("paused", "r1");
    for (const s of states) {
      assert.equal(s.state, "success", s.taskId);
      // Usually try 2; a try sent to a runner that was stopping at that moment is lost too, and reset the same way.
      assert.ok(s.tryNumber >= 2, `${s.taskId}: try 1 was stopped and the task ran again as a new try`);
      assert.equal(s.maxTries, s.tryNumber - 1, `${s.taskId}: no lost try counted against retries (retries = 0)`);
    }
    const audit = await home.json<AuditRow[]>(["dags", "audit-log", "paused"]);
    for (const t of tasks) {
      const mine = audit.filter((a) => a.taskId === t);
      assert.ok(!mine.some((a) => a.toState === "failed" || a.toState === "up_for_retry"), `${t} never failed: ${JSON.stringify(mine)}`);
      assert.ok(
        mine.some((a) => a.event === "reset" && a.tryNumber === 1 && /try 1 lost: .*; it will be scheduled again \(the lost try does not count against retries\)/.test(a.reason ?? "")),
        `${t}: the lost try is audited as reset: ${JSON.stringify(mine)}`,
      );
    }
    const lines = fs.readFileSync(markers, "utf8").trim().split("\n");
    assert.ok(!lines.some((l) => / [a-d]#1$/.test(l) && l.startsWith("end")), `no try 1 ran to its end: ${lines.join("; ")}`);
    for (const t of tasks) {
      const log = fs.readFileSync(home.file(`${LOGS}/dag_id=paused/run_id=r1/task_id=${t}/attempt=1.log`), "utf8");
      assert.match(log, /switchyard: stopped: the scheduler's lease ran out/, `try 1 of ${t} says why it stopped:\n${log}`);
    }
  });
});

