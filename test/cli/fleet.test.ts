/**
 * `switchyard fleet workers` and `fleet queues` against real Redis, with real `switchyard worker`
 * processes and a real scheduler, each from a home of its own; the fleet commands run from a
 * third home whose metadata database does not exist (they must never need it).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, afterEach, before, describe, it } from "node:test";
import { Home, eventually } from "../support/home.js";
import { assertRedisAnswers, deletePrefix, executorSection, startWorker, stopWorker, testPrefix, type StartedWorker } from "../executors/bullmq/support.js";

interface WorkerRow {
  executor: string;
  name: string;
  hostname: string;
  pid: number;
  queues: string[];
  concurrency: number;
  running: Array<{ queue: string; jobId: string; dagId?: string; runId?: string; taskId?: string; mapIndex?: number; tryNumber?: number }>;
  lastHeartbeat: string;
  heartbeatAgeSeconds: number;
  startedAt: string;
  state: string;
}

interface QueueRow {
  executor: string;
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  oldestWaitingSeconds: number | null;
  workers: number;
}

const BOGUS_DB = `[database]\nurl = "postgresql://nobody:wrong@127.0.0.1:1/nowhere"\n`;

describe("switchyard fleet", () => {
  let prefix: string;
  const homes: Home[] = [];
  const workers: StartedWorker[] = [];
  before(() => assertRedisAnswers());
  afterEach(async () => {
    for (const w of workers.splice(0)) await stopWorker(w);
    for (const h of homes.splice(0)) h.cleanup();
    if (prefix) await deletePrefix(prefix);
  });
  after(() => undefined);

  function home(toml: string, dags: Record<string, string> = {}): Home {
    const h = new Home({ toml, dags });
    homes.push(h);
    return h;
  }

  it("lists workers with their running tries and states, and queues with what waits, runs and who serves them", async () => {
    prefix = testPrefix();
    const release = home("").file("release");
    const dag = `import { dag } from "@switchyard/core";
const d = dag("held", { schedule: null });
for (const t of ["one", "two"]) d.bash(t, "while [ ! -f ${release} ]; do sleep 0.05; done; echo released", { queue: "io" });
export default d;
`;
    const fleetToml = (extra = "") => `[core]\nexecutor = "LocalExecutor,fleet:BullMQExecutor"\n${BOGUS_DB}${extra}${executorSection("fleet", prefix)}`;
    const watcher = home(fleetToml());
    const workerIo = await startWorker({ toml: fleetToml(), prefix, name: "w-io", queues: "io", concurrency: 1, dags: { "held.ts": dag } });
    workers.push(workerIo);
    const doomed = await startWorker({ toml: fleetToml(), prefix, name: "w-doomed", queues: "default,spare", concurrency: 3 });
    workers.push(doomed);
    doomed.child.kill("SIGKILL");
    await doomed.done;

    const scheduler = home(`[core]\nexecutor = "fleet:BullMQExecutor,LocalExecutor"\n[scheduler]\nidle_wake_interval = 0.2\n${executorSection("fleet", prefix)}`, { "held.ts": dag });
    await scheduler.ok(["db", "init"]);
    await scheduler.ok(["dags", "trigger", "held", "--run-id", "r1"]);
    const sched = scheduler.spawn(["scheduler", "--exit-when-idle"]);

    // One io try runs on w-io (concurrency 1), the other waits on the io queue.
    const busy = await eventually("w-io to run one try", async () => {
      const rows = await watcher.json<WorkerRow[]>(["fleet", "workers"]);
      const row = rows.find((r) => r.name === "w-io");
      return row !== undefined && row.running.length === 1 ? { rows, row } : null;
    });
    assert.equal(busy.row.executor, "fleet");
    assert.equal(busy.row.pid, workerIo.child.pid);
    assert.deepEqual(busy.row.queues, ["io"]);
    assert.equal(busy.row.concurrency, 1);
    assert.equal(busy.row.state, "running");
    const held = busy.row.running[0]!;
    assert.equal(held.queue, "io");
    assert.equal(held.dagId, "held");
    assert.equal(held.runId, "r1");
    assert.ok(held.taskId === "one" || held.taskId === "two", JSON.stringify(held));
    assert.equal(held.tryNumber, 1);
    assert.ok(Math.abs(Date.parse(busy.row.lastHeartbeat) - Date.now()) < 10_000, busy.row.lastHeartbeat);

    const queues = await eventually("the second io try to wait", async () => {
      const rows = await watcher.json<QueueRow[]>(["fleet", "queues"]);
      return rows.find((r) => r.queue === "io")?.waiting === 1 ? rows : null;
    });
    const io = queues.find((r) => r.queue === "io")!;
    assert.equal(io.executor, "fleet");
    assert.equal(io.active, 1);
    assert.equal(io.workers, 1);
    assert.ok(io.oldestWaitingSeconds !== null && io.oldestWaitingSeconds >= 0 && io.oldestWaitingSeconds < 60, JSON.stringify(io));
    // The killed worker's queues are listed (nobody waits there), served by no live worker once
    // its heartbeat is older than worker_timeout (5 s here; a fast scheduler gets here sooner).
    const spare = await eventually(
      "the killed worker's queue to have no live worker",
      async () => {
        const rows = await watcher.json<QueueRow[]>(["fleet", "queues"]);
        const row = rows.find((r) => r.queue === "spare");
        return row !== undefined && row.workers === 0 ? row : null;
      },
      20_000,
    );
    assert.deepEqual({ waiting: spare.waiting, active: spare.active, workers: spare.workers }, { waiting: 0, active: 0, workers: 0 });

    const table = await watcher.ok(["fleet", "workers"]);
    assert.match(table.split("\n")[0]!, /^executor\s+name\s+hostname\s+pid\s+queues\s+concurrency\s+running\s+last_heartbeat\s+age_s\s+state$/);
    assert.match(table, new RegExp(`\\nfleet\\s+w-io\\s+\\S+\\s+${workerIo.child.pid}\\s+io\\s+1\\s+1\\s`));
    const queueTable = await watcher.ok(["fleet", "queues", "--executor", "fleet", "-o", "table"]);
    assert.match(queueTable, /\nfleet\s+io\s+1\s+1\s+0\s+0\s+[\d.]+\s+1\n?/);

    fs.writeFileSync(release, "");
    const r = await sched.done;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await scheduler.states("held", "r1")).map((s) => s.state), ["success", "success"]);
    const after = await watcher.json<QueueRow[]>(["fleet", "queues"]);
    assert.deepEqual(after.find((q) => q.queue === "io"), { executor: "fleet", queue: "io", waiting: 0, active: 0, delayed: 0, failed: 0, oldestWaitingSeconds: null, workers: 1 });

    // A SIGKILLed worker is lost once its heartbeat is older than worker_timeout (5 s here); a SIGTERMed one stopped.
    workerIo.child.kill("SIGTERM");
    assert.equal((await workerIo.done).code, 0);
    const states = await eventually(
      "the killed worker to count as lost",
      async () => {
        const rows = await watcher.json<WorkerRow[]>(["fleet", "workers"]);
        return rows.find((w) => w.name === "w-doomed")?.state === "lost" ? rows : null;
      },
      20_000,
    );
    assert.deepEqual(
      states.map((w) => [w.name, w.state, w.running.length]),
      [
        ["w-doomed", "lost", 0],
        ["w-io", "stopped", 0],
      ],
    );
    const others = [...homes.filter((h) => h !== scheduler), ...workers.map((w) => w.home)];
    assert.ok(!others.some((h) => h.databaseExists()), "no fleet command or worker created a metadata database");
  });

  it("rejects an --executor that is unknown or not a BullMQExecutor, a config with none, and a Redis that does not answer, naming what is valid", async () => {
    prefix = testPrefix();
    const h = home(`[core]\nexecutor = "LocalExecutor,fleet:BullMQExecutor,other:BullMQExecutor"\n${BOGUS_DB}${executorSection("fleet", prefix)}${executorSection("other", `${prefix}:other`)}`);
    for (const command of ["workers", "queues"]) {
      const unknown = await h.run(["fleet", command, "--executor", "nope"]);
      assert.notEqual(unknown.code, 0);
      assert.equal(unknown.stdout, "");
      assert.match(unknown.stderr, /--executor "nope" is not an entry of \[core\] executor; BullMQExecutors configured: fleet, other/);
      const local = await h.run(["fleet", command, "--executor", "LocalExecutor"]);
      assert.notEqual(local.code, 0);
      assert.equal(local.stdout, "");
      assert.match(local.stderr, /--executor "LocalExecutor" is a LocalExecutor, not a BullMQExecutor or BullMQKubernetesExecutor; BullMQExecutors configured: fleet, other/);
      const format = await h.run(["fleet", command, "-o", "yaml"]);
      assert.notEqual(format.code, 0);
      assert.match(format.stderr, /argument 'yaml' is invalid\. Allowed choices are table, json, plain/);
      // Both entries are read when no --executor is given; each is empty here.
      assert.deepEqual(await h.json<unknown[]>(["fleet", command]), []);
    }
    const none = home(`[core]\nexecutor = "LocalExecutor"\n`);
    const noFleet = await none.run(["fleet", "workers"]);
    assert.notEqual(noFleet.code, 0);
    assert.match(noFleet.stderr, /\[core\] executor = "LocalExecutor" has no BullMQExecutor/);

    const down = await h.run(["fleet", "queues", "--executor", "fleet"], { env: { SWITCHYARD__EXECUTORS__FLEET__REDIS_URL: "redis://:s3cret-pw@127.0.0.1:1/0" } });
    assert.notEqual(down.code, 0);
    assert.equal(down.stdout, "");
    assert.match(down.stderr, /executor fleet: cannot read Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1\/0: .*ECONNREFUSED/);
    assert.doesNotMatch(down.stderr, /s3cret-pw/);
  });
});
