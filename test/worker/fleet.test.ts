/**
 * The fleet end to end: `switchyard scheduler` and `switchyard worker` processes from homes that
 * share nothing (each worker has its own copy of the DAG file and its own log folder), real Redis.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import { afterEach, before, describe, it } from "node:test";
import { Redis } from "ioredis";
import { jobIdFor } from "../../src/executors/bullmq/jobs.js";
import { TEST_DB } from "../support/home.js";
import { assertRedisAnswers, REDIS_URL, type StartedWorker } from "../executors/bullmq/support.js";
import { dagFile, Fleet, waitForTry } from "./helpers.js";

describe(`the BullMQ fleet (${TEST_DB})`, () => {
  let fleet: Fleet;
  before(() => assertRedisAnswers());
  afterEach(() => fleet.cleanup());

  it("runs a DAG on two workers that serve two queues, each from its own home; tasks see SWITCHYARD_WORKER; each writes its try's log under its own home (tasks logs: fleet-logs.test.ts)", async () => {
    fleet = new Fleet();
    const dag = dagFile(
      "fleet",
      `const a = d.bash("a", "echo on=$SWITCHYARD_WORKER");\nconst b = d.bash("b", "echo io=$SWITCHYARD_WORKER", { queue: "io" });\n` +
        `const c = d.bash("c", "echo local", { executor: "LocalExecutor" });\na.then(b).then(c);`,
    );
    await fleet.worker("w-default", { "fleet.ts": dag }, { queues: "default" });
    await fleet.worker("w-io", { "fleet.ts": dag }, { queues: "io" });
    const scheduler = fleet.scheduler({ "fleet.ts": dag }, { executors: "BullMQExecutor,LocalExecutor" });
    const { states, runState } = await scheduler.runDag("fleet");
    assert.equal(runState, "success");
    // Which worker ran each fleet try, on which host, is on its task instance; the LocalExecutor's try names no worker.
    const where = (task: string) => ({ state: states.get(task)?.state, hostname: states.get(task)?.hostname, worker: states.get(task)?.worker });
    assert.deepEqual(where("a"), { state: "success", hostname: os.hostname(), worker: "w-default" });
    assert.deepEqual(where("b"), { state: "success", hostname: os.hostname(), worker: "w-io" });
    assert.deepEqual(where("c"), { state: "success", hostname: os.hostname(), worker: null });
    const table = (await scheduler.ok(["tasks", "states-for-dag-run", "fleet", "r1"])).split("\n");
    assert.match(table[0]!, /\bhostname\s+worker\s+waiting_for$/);
    assert.match(table.find((l) => l.startsWith("b "))!, new RegExp(`\\s${os.hostname()}\\s+w-io\\s*$`));
    // Each worker wrote the log of its own try under its own home; the scheduler's home has neither.
    const logOf = (w: StartedWorker, task: string) => fs.readFileSync(`${w.home.dir}/logs/dag_id=fleet/run_id=r1/task_id=${task}/attempt=1.log`, "utf8");
    assert.match(logOf(fleet.workers[0]!, "a"), /on=w-default/);
    assert.match(logOf(fleet.workers[1]!, "b"), /io=w-io/);
    assert.equal(fs.existsSync(`${fleet.workers[0]!.home.dir}/logs/dag_id=fleet/run_id=r1/task_id=b`), false, "the default worker never got the io task");
  });

  it("a try's start is carried once: as the job's progress, or (a try that ended first) in its result; the task instance has that start, its host and worker", async () => {
    fleet = new Fleet();
    const dag = dagFile("quick", `d.fn("q", () => undefined);`);
    await fleet.worker("w-quick", { "q.ts": dag });
    const scheduler = fleet.scheduler({ "q.ts": dag });
    const { states } = await scheduler.runDag("quick");
    const q = states.get("q");
    assert.equal(q?.state, "success");
    assert.deepEqual({ worker: q?.worker, hostname: q?.hostname }, { worker: "w-quick", hostname: os.hostname() });
    const redis = new Redis(fleet.redisUrl, { maxRetriesPerRequest: 1 });
    try {
      const jobKey = `${fleet.prefix}:default:${jobIdFor({ dagId: "quick", runId: "r1", taskId: "q", mapIndex: -1, tryNumber: 1 })}`;
      const [progressRaw, resultRaw, processedBy] = await redis.hmget(jobKey, "progress", "returnvalue", "pb");
      assert.equal(processedBy, "w-quick", "the take recorded the worker (BullMQ's pb)");
      const progress = JSON.parse(progressRaw ?? "null") as { state: string; info?: { startDate?: number } } | 0 | null;
      const result = JSON.parse(resultRaw ?? "null") as { state: string; running?: { startDate?: number } };
      assert.equal(result.state, "success");
      const fromProgress = progress !== null && progress !== 0 ? progress.info?.startDate : undefined;
      const fromResult = result.running?.startDate;
      // Exactly one of them: a no-op usually ends within RUNNING_WRITE_DELAY_MS (result), a loaded machine may not (progress).
      assert.ok((fromProgress === undefined) !== (fromResult === undefined), `the start is carried once: progress ${progressRaw}, result ${resultRaw}`);
      assert.equal(new Date(q?.startDate ?? 0).getTime(), fromProgress ?? fromResult, "the task instance's start is the runner's");
    } finally {
      redis.disconnect();
    }
  });

  it("fails a try that waits worker_timeout on a queue no live worker serves, naming the queue; a job waiting is not taken for one that vanished", async () => {
    fleet = new Fleet();
    const dag = dagFile("orphan", `d.bash("t", "echo never", { queue: "nobody" });`);
    await fleet.worker("w-default", { "o.ts": dag }, { queues: "default" });
    const scheduler = fleet.scheduler({ "o.ts": dag });
    const { states, scheduler: out } = await scheduler.runDag("orphan");
    assert.equal(states.get("t")?.state, "failed");
    const audit = await scheduler.json<Array<{ toState: string | null; reason: string | null }>>(["dags", "audit-log", "orphan", "-o", "json"]);
    assert.ok(
      audit.some((a) => a.toState === "failed" && /no live worker serves queue 'nobody' .*live workers: w-default \[default\]/.test(a.reason ?? "")),
      JSON.stringify(audit),
    );
    assert.doesNotMatch(out.stdout + out.stderr, /vanished/);
  });

  it("fails a try whose worker is SIGKILLed mid-try within worker_timeout, naming the worker; its retry runs on another worker", async () => {
    fleet = new Fleet();
    const dag = dagFile("killed", `d.bash("slow", "if [ \\"$SWITCHYARD_WORKER\\" = doomed ]; then sleep 60; fi; echo done", { retries: 1, retryDelay: 0 });`);
    const doomed = await fleet.worker("doomed", { "k.ts": dag });
    const scheduler = fleet.scheduler({ "k.ts": dag });
    await scheduler.ok(["db", "init"]);
    await scheduler.ok(["dags", "trigger", "killed", "--run-id", "r1"]);
    const sched = scheduler.spawn(["scheduler", "--exit-when-idle"]);
    await waitForTry(fleet, { dagId: "killed", runId: "r1", taskId: "slow" }, "running");
    const killedAt = Date.now();
    doomed.child.kill("SIGKILL");
    await fleet.worker("spare", { "k.ts": dag });
    const r = await sched.done;
    assert.equal(r.code, 0, r.stderr);
    const audit = await scheduler.json<Array<{ event: string; toState: string | null; reason: string | null; tryNumber: number | null }>>(["dags", "audit-log", "killed", "-o", "json"]);
    const failure = audit.find((a) => a.tryNumber === 1 && (a.toState === "up_for_retry" || a.toState === "failed"));
    assert.ok(failure, JSON.stringify(audit));
    assert.match(failure.reason ?? "", /worker doomed on host .* stopped heartbeating \d+ s ago/);
    const states = await scheduler.states("killed", "r1");
    assert.equal(states[0]?.state, "success");
    assert.equal(states[0]?.worker, "spare", "the retry ran on the spare worker, and says so");
    assert.ok(Date.now() - killedAt < 5_000 + 30_000, "failed within worker_timeout (plus the retry's run)");
  });

  it("reports an unknown DAG and an unparseable job message with a clear reason, and runs with a bogus database url", async () => {
    fleet = new Fleet();
    const dag = dagFile("missing_here", `d.bash("t", "echo hi");`);
    // The worker's home has no copy of the DAG file.
    const w = await fleet.worker("w1", {});
    const scheduler = fleet.scheduler({ "m.ts": dag });
    const { states } = await scheduler.runDag("missing_here");
    assert.equal(states.get("t")?.state, "failed");
    const audit = await scheduler.json<Array<{ toState: string | null; reason: string | null }>>(["dags", "audit-log", "missing_here", "-o", "json"]);
    assert.ok(audit.some((a) => a.toState === "failed" && /could not load DAG file .*m\.ts/.test(a.reason ?? "")), JSON.stringify(audit));

    // A message that is not a try: failed by the worker with the reason, said in its log too.
    const { Queue } = await import("bullmq");
    const queue = new Queue("default", { connection: { url: REDIS_URL }, prefix: fleet.prefix });
    try {
      const job = await queue.add("try", { not: "a workload" }, { jobId: "garbage" });
      const deadline = Date.now() + 15_000;
      while (!(await job.isFailed())) {
        assert.ok(Date.now() < deadline, `the bad message was never failed: ${w.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const failed = await queue.getJob("garbage");
      assert.match(failed?.failedReason ?? "", /worker w1 on .*: could not parse the job message as a try: data\.key/);
      assert.match(w.output(), /job garbage on queue default: could not parse the job message/);
    } finally {
      await queue.close();
    }
    assert.doesNotMatch(w.output(), /nowhere|wrong@/, "the worker never touched its bogus database url");
  });

  it("drains on SIGTERM: takes no new try, finishes the running one, exits 0", async () => {
    fleet = new Fleet();
    const dag = dagFile("drain", `d.bash("t", "sleep 1; echo finished");`);
    const w = await fleet.worker("drainer", { "d.ts": dag });
    const scheduler = fleet.scheduler({ "d.ts": dag });
    await scheduler.ok(["db", "init"]);
    await scheduler.ok(["dags", "trigger", "drain", "--run-id", "r1"]);
    const sched = scheduler.spawn(["scheduler", "--exit-when-idle"]);
    await waitForTry(fleet, { dagId: "drain", runId: "r1", taskId: "t" }, "running");
    w.child.kill("SIGTERM");
    const exit = await w.done;
    assert.equal(exit.code, 0, w.output());
    const r = await sched.done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await scheduler.states("drain", "r1"))[0]?.state, "success");
  });
});

