/**
 * The log of a try that ran on a fleet worker whose home shares nothing with the scheduler's:
 * BullMQExecutor.getTaskLog reads it from Redis (live while the try runs, whole after), and
 * `tasks logs` on the scheduler's host, which has no file for it, asks the executor.
 *
 * The task writes "step 1", then waits for a file the test creates once it has seen that line,
 * then writes "step 2": seeing step 1 without step 2 proves the log was read while the try ran.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import { afterEach, before, describe, it } from "node:test";
import { BullMQExecutor } from "../../src/executors/bullmq/executor.js";
import type { TaskInstanceRef } from "../../src/executors/types.js";
import { eventually, TEST_DB } from "../support/home.js";
import { context } from "../executors/helpers.js";
import { assertRedisAnswers, type StartedWorker } from "../executors/bullmq/support.js";
import { dagFile, Fleet, freePort, schedulerToml, waitForTry } from "./helpers.js";

const logFileOf = (w: StartedWorker, dagId: string) => `${w.home.dir}/logs/dag_id=${dagId}/run_id=r1/task_id=t/attempt=1.log`;
const linesOf = (text: string) => text.split("\n").filter((l, i, all) => i < all.length - 1 || l !== "");

describe(`fleet task logs (${TEST_DB})`, () => {
  let fleet: Fleet;
  before(() => assertRedisAnswers());
  afterEach(() => fleet.cleanup());

  /** Runs DAG `dagId` (one task `t`, gated on a file) on one worker; resolves once `t` runs, with what opens the gate. */
  async function startGatedRun(dagId: string) {
    fleet = new Fleet();
    const home = fleet.scheduler({});
    const gate = home.file("go");
    const dag = dagFile(dagId, `d.bash("t", ${JSON.stringify(`echo step 1; while [ ! -e ${gate} ]; do sleep 0.05; done; echo step 2`)});`);
    home.writeDag("logs.ts", dag);
    const worker = await fleet.worker("w1", { "logs.ts": dag });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", dagId, "--run-id", "r1"]);
    const scheduler = home.spawn(["scheduler", "--exit-when-idle"]);
    await waitForTry(fleet, { dagId, runId: "r1", taskId: "t" }, "running");
    return { home, worker, scheduler, openGate: () => fs.writeFileSync(gate, "") };
  }

  it("getTaskLog returns the lines shipped so far while the try runs, and the whole log after", async () => {
    const { worker, scheduler, openGate } = await startGatedRun("gtl");
    const executor = new BullMQExecutor(context("BullMQExecutor", { redis_url: fleet.redisUrl, prefix: fleet.prefix, worker_timeout: 5 }));
    const ref: TaskInstanceRef = { key: { dagId: "gtl", runId: "r1", taskId: "t", mapIndex: -1, tryNumber: 1 }, state: "running", externalExecutorId: null, queue: "default", pid: null, hostname: null };
    const live = await eventually("step 1 in the job's log", async () => {
      const log = await executor.getTaskLog(ref, 1);
      return log.lines.includes("step 1") ? log : null;
    });
    assert.ok(!live.lines.includes("step 2"), "step 2 is not written before the gate opens");
    assert.match(live.messages.join("\n"), /from BullMQ job gtl\/r1\/t\/-1\/1 on queue default/);
    openGate();
    const r = await scheduler.done;
    assert.equal(r.code, 0, r.stderr);
    const whole = await executor.getTaskLog(ref, 1);
    assert.deepEqual(whole.lines, linesOf(fs.readFileSync(logFileOf(worker, "gtl"), "utf8")), "the whole log, as the worker wrote it");
    assert.ok(whole.lines.includes("step 2"));
    // A try that never ran has nothing, and says which job it looked for.
    const none = await executor.getTaskLog(ref, 2);
    assert.deepEqual(none.lines, []);
    assert.match(none.messages.join("\n"), /gtl\/r1\/t\/-1\/2/);
  });

  it("tasks logs on the scheduler's host prints a worker's try from the executor, following it live with --follow", async () => {
    const { home, worker, scheduler, openGate } = await startGatedRun("cli_logs");
    const follower = home.spawn(["tasks", "logs", "cli_logs", "t", "r1", "--follow"]);
    let seen = "";
    follower.child.stdout!.on("data", (d: Buffer) => (seen += d.toString()));
    await eventually("tasks logs --follow to print step 1", async () => seen.includes("step 1\n"));
    assert.ok(!seen.includes("step 2"));
    assert.equal((await home.states("cli_logs", "r1"))[0]?.state, "running", "step 1 was printed while the try ran");
    openGate();
    const followed = await follower.done;
    assert.equal(followed.code, 0, followed.stderr);
    assert.match(followed.stdout, /step 1\n(.*\n)*step 2\n/);
    assert.match(followed.stderr, /from BullMQ job cli_logs\/r1\/t\/-1\/1 on queue default/);
    assert.equal((await scheduler.done).code, 0);

    assert.equal(fs.existsSync(`${home.dir}/logs/dag_id=cli_logs`), false, "the scheduler's host has no file for the try");
    const whole = await home.ok(["tasks", "logs", "cli_logs", "t", "r1"]);
    const workerFile = fs.readFileSync(logFileOf(worker, "cli_logs"), "utf8");
    assert.equal(whole, workerFile.endsWith("\n") ? workerFile : `${workerFile}\n`, "the whole log, as the worker wrote it");
    assert.equal(followed.stdout, whole, "--follow printed each line once");
    assert.equal(await home.ok(["tasks", "logs", "cli_logs", "t", "r1", "--tail", "1"]), `${linesOf(workerFile).at(-1)}\n`);
  });

  it("tasks logs fails, saying so, when the executor's Redis does not answer (while the try runs and after), or the executor that ran the try is not configured here", async () => {
    const { home, scheduler, openGate } = await startGatedRun("unconfigured");
    // The executor's Redis does not answer (nothing listens there): said, not waited for. The
    // running scheduler keeps the configuration it started with.
    const port = await freePort();
    fs.writeFileSync(home.file("switchyard.toml"), schedulerToml(fleet.prefix, { redisUrl: `redis://:pw-not-shown@127.0.0.1:${port}` }));
    const unreachable = new RegExp(
      `^error: the log of try 1 should be at .* but that file does not exist, and executor "BullMQExecutor" could not be asked: could not read the log of job unconfigured/r1/t/-1/1: Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port} did not answer within 5 s \\(.*ECONNREFUSED`,
    );
    const whileRunning = await home.run(["tasks", "logs", "unconfigured", "t", "r1"]);
    assert.equal(whileRunning.code, 1, "a running try whose log cannot be read is an error, not an empty log");
    assert.equal(whileRunning.stdout, "");
    assert.match(whileRunning.stderr, unreachable);
    openGate();
    assert.equal((await scheduler.done).code, 0);
    const away = await home.run(["tasks", "logs", "unconfigured", "t", "r1"]);
    assert.equal(away.code, 1, away.stderr);
    assert.equal(away.stdout, "");
    assert.match(away.stderr, unreachable);
    assert.doesNotMatch(away.stderr + whileRunning.stderr, /pw-not-shown/);

    // This host's config no longer has the fleet's executor.
    fs.writeFileSync(home.file("switchyard.toml"), `[core]\nexecutor = "LocalExecutor"\n`);
    const r = await home.run(["tasks", "logs", "unconfigured", "t", "r1"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /the log of try 1 should be at .* but that file does not exist, and executor "BullMQExecutor" that ran it is not configured here \(\[core\] executor = "LocalExecutor"\)/);
    assert.equal(r.stdout, "");
  });
});
