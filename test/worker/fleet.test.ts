/**
 * The fleet end to end: `switchyard scheduler` and `switchyard worker` processes from homes that
 * share nothing (each worker has its own copy of the DAG file and its own log folder), real Redis.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import { Redis } from "ioredis";
import { after, afterEach, before, describe, it } from "node:test";
import { jobIdFor } from "../../src/executors/bullmq/jobs.js";
import { Home, TEST_DB } from "../support/home.js";
import { assertRedisAnswers, deletePrefix, executorSection, REDIS_URL, startWorker, stopWorker, testPrefix, type StartedWorker } from "../executors/bullmq/support.js";

const dagFile = (id: string, body: string) => `import { dag } from "@switchyard/core";\nconst d = dag(${JSON.stringify(id)});\n${body}\nexport default d;\n`;

/** A worker's switchyard.toml: the executor section, and a metadata database it must never need. */
function workerToml(prefix: string, extra = ""): string {
  return `[core]\nexecutor = "BullMQExecutor"\n[database]\nurl = "postgresql://nobody:wrong@127.0.0.1:1/nowhere"\n${extra}${executorSection("BullMQExecutor", prefix)}`;
}

function schedulerToml(prefix: string, executors = "BullMQExecutor"): string {
  return `[core]\nexecutor = "${executors}"\n[scheduler]\nidle_wake_interval = 0.2\n${executorSection("BullMQExecutor", prefix)}`;
}

describe(`the BullMQ fleet (${TEST_DB})`, () => {
  let prefix: string;
  let scheduler: Home;
  const workers: StartedWorker[] = [];
  before(() => assertRedisAnswers());
  afterEach(async () => {
    for (const w of workers.splice(0)) await stopWorker(w);
    scheduler?.cleanup();
    await deletePrefix(prefix);
  });

  async function worker(name: string, dags: Record<string, string>, opts: { queues?: string; concurrency?: number; extraToml?: string } = {}): Promise<StartedWorker> {
    const w = await startWorker({ toml: workerToml(prefix, opts.extraToml), prefix, name, dags, ...(opts.queues ? { queues: opts.queues } : {}), ...(opts.concurrency ? { concurrency: opts.concurrency } : {}) });
    workers.push(w);
    return w;
  }

  it("runs a DAG on two workers that serve two queues, each from its own home; tasks see SWITCHYARD_WORKER; logs come back through tasks logs", async () => {
    prefix = testPrefix();
    const dag = dagFile(
      "fleet",
      `const a = d.bash("a", "echo on=$SWITCHYARD_WORKER");\nconst b = d.bash("b", "echo io=$SWITCHYARD_WORKER", { queue: "io" });\n` +
        `const c = d.bash("c", "echo local", { executor: "LocalExecutor" });\na.then(b).then(c);`,
    );
    await worker("w-default", { "fleet.ts": dag }, { queues: "default" });
    await worker("w-io", { "fleet.ts": dag }, { queues: "io" });
    scheduler = new Home({ toml: schedulerToml(prefix, "BullMQExecutor,LocalExecutor"), dags: { "fleet.ts": dag } });
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
    assert.match(logOf(workers[0]!, "a"), /on=w-default/);
    assert.match(logOf(workers[1]!, "b"), /io=w-io/);
    assert.equal(fs.existsSync(`${workers[0]!.home.dir}/logs/dag_id=fleet/run_id=r1/task_id=b`), false, "the default worker never got the io task");
  });

  it("fails a try whose worker is SIGKILLed mid-try within worker_timeout, naming the worker; its retry runs on another worker", async () => {
    prefix = testPrefix();
    const dag = dagFile("killed", `d.bash("slow", "if [ \\"$SWITCHYARD_WORKER\\" = doomed ]; then sleep 60; fi; echo done", { retries: 1, retryDelay: 0 });`);
    const doomed = await worker("doomed", { "k.ts": dag });
    scheduler = new Home({ toml: schedulerToml(prefix), dags: { "k.ts": dag } });
    await scheduler.ok(["db", "init"]);
    await scheduler.ok(["dags", "trigger", "killed", "--run-id", "r1"]);
    const sched = scheduler.spawn(["scheduler", "--exit-when-idle"]);
    const redis = new Redis(REDIS_URL);
    try {
      // Wait until the doomed worker runs the try, then kill it.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const progress = await redis.hget(`${prefix}:default:${jobIdFor({ dagId: "killed", runId: "r1", taskId: "slow", mapIndex: -1, tryNumber: 1 })}`, "progress");
        if (progress?.includes('"running"')) break;
        assert.ok(Date.now() < deadline, `the try never ran: ${doomed.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      redis.disconnect();
    }
    const killedAt = Date.now();
    doomed.child.kill("SIGKILL");
    await worker("spare", { "k.ts": dag });
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
    prefix = testPrefix();
    const dag = dagFile("missing_here", `d.bash("t", "echo hi");`);
    // The worker's home has no copy of the DAG file.
    const w = await worker("w1", {});
    scheduler = new Home({ toml: schedulerToml(prefix), dags: { "m.ts": dag } });
    const { states } = await scheduler.runDag("missing_here");
    assert.equal(states.get("t")?.state, "failed");
    const audit = await scheduler.json<Array<{ toState: string | null; reason: string | null }>>(["dags", "audit-log", "missing_here", "-o", "json"]);
    assert.ok(audit.some((a) => a.toState === "failed" && /could not load DAG file .*m\.ts/.test(a.reason ?? "")), JSON.stringify(audit));

    // A message that is not a try: failed by the worker with the reason, said in its log too.
    const { Queue } = await import("bullmq");
    const queue = new Queue("default", { connection: { url: REDIS_URL }, prefix });
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
    prefix = testPrefix();
    const dag = dagFile("drain", `d.bash("t", "sleep 1; echo finished");`);
    const w = await worker("drainer", { "d.ts": dag });
    scheduler = new Home({ toml: schedulerToml(prefix), dags: { "d.ts": dag } });
    await scheduler.ok(["db", "init"]);
    await scheduler.ok(["dags", "trigger", "drain", "--run-id", "r1"]);
    const sched = scheduler.spawn(["scheduler", "--exit-when-idle"]);
    const redis = new Redis(REDIS_URL);
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const progress = await redis.hget(`${prefix}:default:${jobIdFor({ dagId: "drain", runId: "r1", taskId: "t", mapIndex: -1, tryNumber: 1 })}`, "progress");
        if (progress?.includes('"running"')) break;
        assert.ok(Date.now() < deadline, `the try never ran: ${w.output()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      redis.disconnect();
    }
    w.child.kill("SIGTERM");
    const exit = await w.done;
    assert.equal(exit.code, 0, w.output());
    const r = await sched.done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await scheduler.states("drain", "r1"))[0]?.state, "success");
  });
});

after(() => undefined);
