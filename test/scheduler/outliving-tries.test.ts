import assert from "node:assert/strict";
import { once } from "node:events";
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, it } from "node:test";
import { eventually, Home, ROOT, type AuditRow } from "../support/home.js";
import { SCALED_DOWN_LEASE } from "../support/leases.js";
import { processAlive } from "../../src/common/process-alive.js";

/**
 * Tries that outlive the scheduler, with examples/executors/detached-executor.ts (each try a
 * detached process, followed by an external id derived from its key): a scheduler that loses its
 * lease, or dies, leaves them running, and the scheduler after it adopts them; each finishes as
 * try 1, having run once.
 */
const EXECUTOR = path.join(ROOT, "examples", "executors", "detached-executor.ts");

let home: Home;
afterEach(() => {
  if (home === undefined) return;
  // A failed test may leave a try process running: stop every one this home started.
  const tries = home.file("tries");
  for (const dir of fs.existsSync(tries) ? fs.readdirSync(tries) : []) {
    try {
      process.kill(Number(fs.readFileSync(path.join(tries, dir, "pid"), "utf8")), "SIGKILL");
    } catch {
      // Gone, or never started.
    }
  }
  home.cleanup();
});

const EXTERNAL_ID = "outlive+r1+slow+-1+1";

function setUp(): string {
  home = new Home({ toml: `[core]\nexecutor = "detached:${EXECUTOR}#DetachedExecutor"\n[executors.detached]\nstate_dir = "tries"\n${SCALED_DOWN_LEASE}` });
  const markers = home.file("markers.txt");
  const marked = `echo "start $SWITCHYARD_TRY_NUMBER" >> ${markers}; sleep 6; echo "end $SWITCHYARD_TRY_NUMBER" >> ${markers}`;
  home.writeDag("o.ts", `import { dag } from "@switchyard/core";\nconst d = dag("outlive");\nd.bash("slow", ${JSON.stringify(marked)});\nexport default d;\n`);
  return markers;
}

/** Waits for the try to run; returns the pid of its bash process. */
async function runningTry(scheduler: ReturnType<Home["spawn"]>): Promise<number> {
  const s = await eventually("the try to run", async () => {
    const [ti] = await home.states("outlive", "r1");
    return ti?.state === "running" && ti.pid !== null ? ti : undefined;
  }).catch(async (err: Error) => {
    scheduler.child.kill("SIGKILL");
    throw new Error(`${err.message}; scheduler: ${await scheduler.done.then((r) => r.stderr)}`);
  });
  return s.pid!;
}

async function assertRanOnceAsTry1(markers: string, stderr: string): Promise<void> {
  assert.equal((await home.ok(["dags", "state", "outlive", "r1"])).trim(), "success", stderr);
  const [ti] = await home.states("outlive", "r1");
  assert.equal(ti!.state, "success");
  assert.equal(ti!.tryNumber, 1, "the try that outlived its scheduler is the one recorded");
  assert.equal(ti!.maxTries, 0, "nothing was reset");
  assert.deepEqual(fs.readFileSync(markers, "utf8").trim().split("\n"), ["start 1", "end 1"], "it ran once, to its end");
  const audit = await home.json<AuditRow[]>(["dags", "audit-log", "outlive"]);
  const adopted = audit.filter((a) => a.event === "adopted");
  assert.equal(adopted.length, 1, JSON.stringify(audit));
  assert.equal(adopted[0]!.tryNumber, 1);
  assert.match(adopted[0]!.reason ?? "", new RegExp(`^adopted by scheduler job \\d+ from scheduler job \\d+ that queued it is (dead|no longer running) \\(external id ${EXTERNAL_ID.replaceAll("+", "\\+")}\\)$`));
  assert.ok(!audit.some((a) => a.event === "reset" || a.event === "report_rejected" || a.toState === "failed"), JSON.stringify(audit));
}


describe("tries that outlive the scheduler (DetachedExecutor)", () => {
  it("a scheduler that loses its lease leaves them running and adopts them when it rejoins; they finish as try 1", async () => {
    const markers = setUp();
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "outlive", "--run-id", "r1"]);
    const [queued] = home.query<{ external_executor_id: string | null }>("select external_executor_id from task_instance where dag_id = 'outlive'");
    assert.equal(queued?.external_executor_id, null, "not queued yet");
    const scheduler = home.spawn(["scheduler", "--exit-when-idle"]);
    const bash = await runningTry(scheduler);
    scheduler.child.kill("SIGSTOP");
    // Frozen past its 3 s lease (the scenario itself: no event marks a lease running out).
    await sleep(4_000);
    assert.ok(processAlive(bash), "the try runs on while its scheduler is frozen");
    scheduler.child.kill("SIGCONT");
    const exit = await scheduler.done;
    assert.equal(exit.code, 0, exit.stderr);
    assert.match(exit.stderr, /lease lost \(.*\): stopping 0 tries .*; releasing 1 that outlive this scheduler, to be adopted/);
    assert.match(exit.stderr, /rejoined as scheduler job \d+/);
    await assertRanOnceAsTry1(markers, exit.stderr);
  });

  it("a scheduler SIGKILLed while they run: they run on, and the next scheduler adopts them by external id; they finish as try 1", async () => {
    const markers = setUp();
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "outlive", "--run-id", "r1"]);
    const first = home.spawn(["scheduler"]);
    const bash = await runningTry(first);
    const [ti] = home.query<{ external_executor_id: string }>("select external_executor_id from task_instance where dag_id = 'outlive'");
    assert.equal(ti!.external_executor_id, EXTERNAL_ID, "the external id is on the TI");
    first.child.kill("SIGKILL");
    await once(first.child, "exit");
    assert.ok(processAlive(bash), "the try outlives its scheduler");
    const second = await home.run(["scheduler", "--exit-when-idle"]);
    assert.equal(second.code, 0, second.stderr);
    await assertRanOnceAsTry1(markers, second.stderr);
  });
});
