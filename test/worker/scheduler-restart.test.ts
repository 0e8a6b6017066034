/**
 * The scheduler SIGKILLed while a fleet try runs (issue 10 §3): the try runs on on its worker, the
 * next scheduler adopts it by its job id (the external id stored on the TI before the job was
 * sent), and it finishes as try 1, having run once.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import fs from "node:fs";
import { after, before, describe, it } from "node:test";
import { jobIdFor } from "../../src/executors/bullmq/jobs.js";
import { eventually, TEST_DB, type AuditRow } from "../support/home.js";
import { assertRedisAnswers } from "../executors/bullmq/support.js";
import { dagFile, Fleet, waitForTry } from "./helpers.js";

/** The defaults scaled down, as in test/scheduler/outliving-tries.test.ts: a dead scheduler is found within seconds. */
const SHORT_LEASE = `job_heartbeat_sec = 0.5
scheduler_health_check_threshold = 6
task_heartbeat_timeout = 2
zombie_detection_interval = 0.5
orphaned_tasks_check_interval = 0.5
`;

describe(`a fleet try outlives its scheduler (${TEST_DB})`, () => {
  let fleet: Fleet;
  before(() => assertRedisAnswers());
  after(() => fleet?.cleanup());

  it("a scheduler SIGKILLed while a fleet try runs: the next scheduler adopts it by job id and it finishes as try 1", async () => {
    fleet = new Fleet();
    const home = fleet.scheduler({}, { scheduler: SHORT_LEASE });
    const markers = home.file("markers.txt");
    const gate = home.file("go");
    // Runs until the test opens the gate, so it is surely still running when the next scheduler starts.
    const command = `echo "start $SWITCHYARD_TRY_NUMBER" >> ${markers}; while [ ! -e ${gate} ]; do sleep 0.05; done; echo "end $SWITCHYARD_TRY_NUMBER" >> ${markers}`;
    const dag = dagFile("outlive", `d.bash("slow", ${JSON.stringify(command)});`);
    home.writeDag("o.ts", dag);
    await fleet.worker("w1", { "o.ts": dag });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "outlive", "--run-id", "r1"]);

    const first = home.spawn(["scheduler"]);
    await waitForTry(fleet, { dagId: "outlive", runId: "r1", taskId: "slow" }, "running");
    const jobId = jobIdFor({ dagId: "outlive", runId: "r1", taskId: "slow", mapIndex: -1, tryNumber: 1 });
    assert.equal(home.query<{ external_executor_id: string }>("select external_executor_id from task_instance where dag_id = 'outlive'")[0]?.external_executor_id, jobId, "the job id is on the TI");
    first.child.kill("SIGKILL");
    await once(first.child, "exit");

    const second = home.spawn(["scheduler", "--exit-when-idle"]);
    const adopted = await eventually(
      "the next scheduler to adopt the try",
      async () => (await home.json<AuditRow[]>(["dags", "audit-log", "outlive"])).find((a) => a.event === "adopted"),
      30_000,
    );
    assert.equal(adopted.tryNumber, 1);
    assert.match(adopted.reason ?? "", new RegExp(`from scheduler job \\d+ that queued it is (dead|no longer running) \\(external id ${jobId.replaceAll("/", "\\/")}\\)$`));
    assert.equal((await home.states("outlive", "r1"))[0]?.state, "running", "still running on its worker");
    fs.writeFileSync(gate, "");
    const r = await second.done;
    assert.equal(r.code, 0, `${r.stderr}\n${fleet.output()}`);

    assert.equal((await home.ok(["dags", "state", "outlive", "r1"])).trim(), "success");
    const [ti] = await home.states("outlive", "r1");
    assert.deepEqual([ti?.state, ti?.tryNumber, ti?.maxTries], ["success", 1, 0], "the try that outlived its scheduler is the one recorded; nothing was reset");
    assert.deepEqual(fs.readFileSync(markers, "utf8").trim().split("\n"), ["start 1", "end 1"], "it ran once, to its end");
    const audit = await home.json<AuditRow[]>(["dags", "audit-log", "outlive"]);
    assert.ok(!audit.some((a) => a.event === "reset" || a.event === "report_rejected" || a.toState === "failed"), JSON.stringify(audit, null, 1));
  });
});
