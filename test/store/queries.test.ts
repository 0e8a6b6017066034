import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TaskState } from "../../src/common/states.js";
import type { SerializedDag, SerializedTask } from "../../src/dag/types.js";
import { openStore } from "../../src/store/connect.js";
import { StoreError } from "../../src/store/errors.js";
import { countRunningRunsByDag, createDagRun, RunType, setDagRunState } from "../../src/store/queries/dag-runs.js";
import { listDags, nextDagrunDue, setDagPaused, syncDagBag } from "../../src/store/queries/dags.js";
import { createJob, heartbeatJob, listRunningJobs, markJobsFailed, markStaleJobsFailed } from "../../src/store/queries/jobs.js";
import { orphanedTaskInstances, silentRunningTis } from "../../src/store/queries/liveness.js";
import { deletePool, listPools, poolUsage, poolUsageOf, setPool } from "../../src/store/queries/pools.js";
import {
  activeTiCounts,
  applyTransitions,
  countUnfinished,
  insertTaskLog,
  listTaskInstances,
  listTaskLogs,
  nextRetryDue,
  scheduledCandidates,
} from "../../src/store/queries/task-instances.js";
import { TEST_DB } from "../support/home.js";
import { serializedDag, task } from "../support/serialized-dag.js";
import { openTestStore, type TestStore } from "../support/store.js";

/**
 * The named queries on the backend under test (SWITCHYARD_TEST_DB): what differs between SQLite
 * and PostgreSQL — numbers that PostgreSQL returns as strings, generated ids, RETURNING, ON
 * CONFLICT, transactions, ordering of names — must not show through.
 */


function dag(dagId: string, tasks: SerializedTask[]): SerializedDag {
  return serializedDag({ dagId, tasks });
}

/** A store of the backend under test for the enclosing describe(), opened before its tests and removed after. */
function useTestStore(): () => TestStore["store"]["db"] {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
  });
  after(async () => {
    await t?.cleanup();
  });
  return () => t.store.db;
}

const NOW = 1_790_000_000_000; // beyond 2^31 ms and 2^32 s: a bigint on PostgreSQL

describe(`store queries (${TEST_DB})`, () => {
  const db = useTestStore();

  async function trigger(d: SerializedDag, runId: string) {
    return createDagRun(db(), { dag: d, runId, runType: RunType.MANUAL, logicalDate: NOW, conf: { k: "v" }, now: NOW, resolveExecutor: () => "LocalExecutor", source: "test" });
  }

  it("syncs DAGs and lists them in byte order, as SQLite does", async () => {
    const dags = ["b_dag", "B_dag", "a.dag", "a-dag", "A_dag", "a_dag"].map((id) => dag(id, [task("t")]));
    await syncDagBag(db(), {
      dags: dags.map((d) => ({ dag: d, pausedIfNew: false, nextDagrunAt: d.dagId === "a_dag" ? NOW + 5 : null })),
      errors: [{ filename: "/dags/broken.ts", message: "SyntaxError" }],
      files: ["/dags/x.ts"],
      folders: ["/dags"],
      now: NOW,
    });
    const listed = (await listDags(db())).map((d) => d.dag_id);
    assert.deepEqual(listed, ["A_dag", "B_dag", "a-dag", "a.dag", "a_dag", "b_dag"]);
    const due = await nextDagrunDue(db());
    assert.equal(due, NOW + 5);
    assert.equal(typeof due, "number");
    await setDagPaused(db(), "a_dag", true);
    assert.equal(await nextDagrunDue(db()), null);
    const row = (await listDags(db())).find((d) => d.dag_id === "a_dag")!;
    assert.equal(row.is_paused, 1);
    assert.equal(row.last_parsed_at, NOW);
  });

  it("creates a run and its TIs in one transaction, with a numeric generated id", async () => {
    const d = dag("run_dag", [task("x"), task("y"), task("z")]);
    const run = await trigger(d, "r1");
    assert.equal(typeof run.id, "number");
    assert.equal(run.logical_date, NOW);
    assert.equal(typeof run.logical_date, "number");
    const tis = await listTaskInstances(db(), run.id);
    assert.deepEqual(tis.map((ti) => [ti.task_id, ti.state, ti.dag_run_id, ti.updated_at]), [
      ["x", "none", run.id, NOW],
      ["y", "none", run.id, NOW],
      ["z", "none", run.id, NOW],
    ]);
    const second = await trigger(d, "r2");
    assert.ok(second.id > run.id);
    // A clash is refused, and rolls back: no second r1, no extra TIs.
    await assert.rejects(trigger(d, "r1"), (err: unknown) => err instanceof StoreError && err.code === "STORE_CONFLICT");
    const runs = await db().selectFrom("dag_run").select("run_id").where("dag_id", "=", "run_dag").execute();
    assert.deepEqual(runs.map((r) => r.run_id).sort(), ["r1", "r2"]);
    assert.equal(await countUnfinished(db(), run.id), 3);
  });

  it("rolls back everything a failed transaction wrote", async () => {
    const d = dag("tx_dag", [task("a"), task("a")]); // a duplicate TI key fails the insert
    await assert.rejects(trigger(d, "r1"));
    const runs = await db().selectFrom("dag_run").select("id").where("dag_id", "=", "tx_dag").execute();
    assert.deepEqual(runs, []);
    const audits = await db().selectFrom("audit_log").select("id").where("dag_id", "=", "tx_dag").execute();
    assert.deepEqual(audits, []);
  });

  it("counts and sums as numbers, and guards transitions by state and try", async () => {
    const d = dag("count_dag", [task("a", { poolSlots: 2, pool: "p" }), task("b", { pool: "p" }), task("c")]);
    await setPool(db(), { name: "p", slots: 5, description: "five" });
    const run = await trigger(d, "r1");
    await setDagRunState(db(), run.id, { state: "running", startDate: NOW });
    assert.deepEqual(await countRunningRunsByDag(db()), new Map([["count_dag", 1]]));
    const id = (taskId: string) => ({ dagId: "count_dag", runId: "r1", taskId, mapIndex: -1 });
    const applied = await applyTransitions(
      db(),
      [
        { id: id("a"), expectStates: [TaskState.NONE], set: { state: TaskState.QUEUED, try_number: 1 }, audit: { event: "queued", source: "test" } },
        { id: id("b"), expectStates: [TaskState.NONE], set: { state: TaskState.RUNNING, try_number: 1 }, audit: null },
        { id: id("c"), expectStates: [TaskState.RUNNING], set: { state: TaskState.SUCCESS }, audit: null },
        { id: id("a"), expectStates: [TaskState.QUEUED], expectTry: 7, set: { state: TaskState.FAILED }, audit: null },
      ],
      NOW + 1,
    );
    assert.deepEqual(applied, [true, true, false, false]);
    const usage = (await poolUsage(db())).get("p")!;
    assert.deepEqual([usage.occupied, usage.queued, usage.running, usage.open], [3, 2, 1, 2]);
    for (const v of [usage.occupied, usage.queued, usage.running, usage.open, usage.slots]) assert.equal(typeof v, "number");
    const { active: counts, pools } = await activeTiCounts(db());
    assert.deepEqual(
      counts.map((c) => [c.task_id, c.n, typeof c.n, typeof c.dag_run_id]).sort(),
      [
        ["a", 1, "number", "number"],
        ["b", 1, "number", "number"],
      ],
    );
    // The critical section reads pool usage from the same grouped rows: it must agree with poolUsage.
    assert.deepEqual(counts.map((c) => [c.task_id, c.pool, c.state, c.slots]).sort(), [
      ["a", "p", TaskState.QUEUED, 2],
      ["b", "p", TaskState.RUNNING, 1],
    ]);
    // The pools come in the same read, as listPools gives them.
    assert.deepEqual(pools.sort((x, y) => (x.name < y.name ? -1 : 1)), await listPools(db()));
    assert.deepEqual(poolUsageOf(pools, counts), await poolUsage(db()));
    assert.equal(await countUnfinished(db(), run.id), 3);
    await assert.rejects(deletePool(db(), "p"), /pool 'p' has 2 queued or running/);
  });

  it("applies batches of one shape at several sizes, each guarded, from statement texts written once per size", async () => {
    const d = dag("sizes_dag", [task("a"), task("b"), task("c"), task("d")]);
    const run = await trigger(d, "r1");
    const id = (taskId: string) => ({ dagId: "sizes_dag", runId: "r1", taskId, mapIndex: -1 });
    const toScheduled = (taskId: string, expectTry: number) => ({
      id: id(taskId),
      expectStates: [TaskState.NONE],
      expectTry,
      set: { state: TaskState.SCHEDULED, try_number: expectTry + 1 },
      audit: { event: "state_change", to_state: TaskState.SCHEDULED, source: "test" },
    });
    // 3 rows, then 1, then 3 again (the cached 3-row text), and a stale try among them.
    assert.deepEqual(await applyTransitions(db(), [toScheduled("a", 0), toScheduled("b", 0), toScheduled("c", 5)], NOW), [true, true, false]);
    assert.deepEqual(await applyTransitions(db(), [toScheduled("c", 0)], NOW), [true]);
    assert.deepEqual(await applyTransitions(db(), [toScheduled("a", 0), toScheduled("c", 0), toScheduled("d", 0)], NOW), [false, false, true]);
    const tis = await listTaskInstances(db(), run.id);
    assert.deepEqual(tis.map((t) => [t.task_id, t.state, t.try_number]).sort(), [
      ["a", TaskState.SCHEDULED, 1],
      ["b", TaskState.SCHEDULED, 1],
      ["c", TaskState.SCHEDULED, 1],
      ["d", TaskState.SCHEDULED, 1],
    ]);
    const audits = await db().selectFrom("audit_log").select(["task_id", "try_number"]).where("dag_id", "=", "sizes_dag").where("event", "=", "state_change").orderBy("id").execute();
    assert.deepEqual(audits.map((r) => r.task_id), ["a", "b", "c", "d"]);
  });

  it("upserts pools and task logs (ON CONFLICT)", async () => {
    await setPool(db(), { name: "up", slots: 1 });
    await setPool(db(), { name: "up", slots: 4 });
    await setPool(db(), { name: "up", slots: 6, description: "six" });
    const pool = (await listPools(db())).find((p) => p.name === "up")!;
    assert.deepEqual([pool.slots, pool.description], [6, "six"]);
    await deletePool(db(), "up");
    assert.equal((await listPools(db())).some((p) => p.name === "up"), false);

    const id = { dagId: "log_dag", runId: "r1", taskId: "t", mapIndex: -1 };
    await insertTaskLog(db(), { ...id, tryNumber: 1, path: "/a", executor: "LocalExecutor" });
    await insertTaskLog(db(), { ...id, tryNumber: 1, path: "/b", executor: "fast" });
    await insertTaskLog(db(), { ...id, tryNumber: 2, path: "/c", executor: "fast" });
    assert.deepEqual((await listTaskLogs(db(), id)).map((l) => [l.try_number, l.path, l.executor]), [
      [1, "/b", "fast"],
      [2, "/c", "fast"],
    ]);
  });

  it("finds scheduled candidates in priority order, leaving out starved pools, runs and tasks", async () => {
    const d = dag("cand_dag", [
      task("hi", { effectivePriorityWeight: 10, pool: "p1" }),
      task("mid", { effectivePriorityWeight: 5 }),
      task("lo", { effectivePriorityWeight: 1 }),
    ]);
    await syncDagBag(db(), { dags: [{ dag: d, pausedIfNew: false, nextDagrunAt: null }], errors: [], files: [], folders: ["/elsewhere"], now: NOW });
    const run = await trigger(d, "r1");
    await setDagRunState(db(), run.id, { state: "running", startDate: NOW });
    await db().updateTable("task_instance").set({ state: TaskState.SCHEDULED }).where("dag_run_id", "=", run.id).execute();
    const none = { starvedPools: new Set<string>(), starvedExecutors: new Set<string>(), starvedRuns: new Set<number>(), starvedTasks: new Set<string>(), starvedRunTasks: new Set<string>() };
    const all = await scheduledCandidates(db(), none, 10);
    assert.deepEqual(all.map((c) => c.task_id), ["hi", "mid", "lo"]);
    assert.equal(typeof all[0]!.dag_run_id, "number");
    assert.equal(all[0]!.logical_date, NOW);
    assert.equal(all[0]!.conf, JSON.stringify({ k: "v" }));
    const ids = (filters: Partial<typeof none>) => scheduledCandidates(db(), { ...none, ...filters }, 10).then((c) => c.map((x) => x.task_id));
    assert.deepEqual(await ids({ starvedPools: new Set(["p1"]) }), ["mid", "lo"]);
    // The scheduler's keys join ids with NUL, which PostgreSQL text cannot hold.
    assert.deepEqual(await ids({ starvedTasks: new Set(["cand_dag\u0000mid"]) }), ["hi", "lo"]);
    assert.deepEqual(await ids({ starvedRunTasks: new Set([`${run.id}\u0000hi`, `${run.id}\u0000lo`]) }), ["mid"]);
    assert.deepEqual(await ids({ starvedRuns: new Set([run.id]) }), []);
    assert.deepEqual(await ids({ starvedExecutors: new Set(["LocalExecutor"]) }), []);
    await setDagPaused(db(), "cand_dag", true);
    assert.deepEqual(await ids({}), []);
  });

  it("returns retry times and job ids as numbers", async () => {
    const d = dag("retry_dag", [task("t")]);
    const run = await trigger(d, "r1");
    await db().updateTable("task_instance").set({ state: TaskState.UP_FOR_RETRY, next_retry_at: NOW + 30_000 }).where("dag_run_id", "=", run.id).execute();
    const due = await nextRetryDue(db());
    assert.equal(due, NOW + 30_000);
    const jobId = await createJob(db(), { jobType: "SchedulerJob", hostname: "h", pid: 42, now: NOW });
    assert.equal(typeof jobId, "number");
    await heartbeatJob(db(), jobId, NOW + 1000);
    const jobs = await listRunningJobs(db(), "SchedulerJob");
    assert.deepEqual(jobs.map((j) => [j.id, j.latest_heartbeat, j.pid]), [[jobId, NOW + 1000, 42]]);
  });
});

describe(`scheduler liveness (${TEST_DB})`, () => {
  const db = useTestStore();
  const job = (now: number) => createJob(db(), { jobType: "scheduler", hostname: "elsewhere", pid: 1, now });

  it("declares a scheduler dead by its heartbeat as the update sees it, not as an earlier read saw it", async () => {
    const me = await job(NOW);
    const stale = await job(NOW - 60_000);
    const renewed = await job(NOW - 60_000);
    // Between a peer's read and its update, `renewed` heartbeats: it must survive the update.
    assert.ok(await heartbeatJob(db(), renewed, NOW));
    assert.deepEqual(await markStaleJobsFailed(db(), { jobType: "scheduler", cutoff: NOW - 30_000, exceptId: me, now: NOW }), [stale]);
    assert.deepEqual(await markStaleJobsFailed(db(), { jobType: "scheduler", cutoff: NOW - 30_000, exceptId: me, now: NOW }), [], "marked once");
    assert.deepEqual((await listRunningJobs(db(), "scheduler")).map((j) => j.id).sort(), [me, renewed].sort());
    assert.equal(await heartbeatJob(db(), stale, NOW), false, "a job declared dead cannot heartbeat its way back");
    assert.deepEqual(await markJobsFailed(db(), [stale, renewed], NOW), [renewed], "only jobs still running are marked");
  });

  it("orphans are the TIs of schedulers that are not running when the query runs, and zombies need a live scheduler", async () => {
    const d = dag("liveness_dag", [task("orphan"), task("owned"), task("zombie"), task("outage"), task("manual")]);
    const run = await createDagRun(db(), { dag: d, runId: "r1", runType: RunType.MANUAL, logicalDate: NOW, conf: {}, now: NOW, resolveExecutor: () => "LocalExecutor", source: "test" });
    const dead = await job(NOW);
    await markJobsFailed(db(), [dead], NOW);
    // A scheduler that started after the caller listed the running jobs still owns its TIs.
    const newcomer = await job(NOW);
    const cutOff = await job(NOW - 40_000); // its heartbeat is as old as its TI's: silence they share
    const set = (taskId: string, owner: number | null, heartbeat: number) =>
      db()
        .updateTable("task_instance")
        .set({ state: TaskState.RUNNING, queued_by_job_id: owner, last_heartbeat_at: heartbeat, try_number: 1 })
        .where("dag_run_id", "=", run.id)
        .where("task_id", "=", taskId)
        .execute();
    await set("orphan", dead, NOW);
    await set("owned", newcomer, NOW);
    await set("zombie", newcomer, NOW - 40_000); // its scheduler heartbeats, but not for this try
    await set("outage", cutOff, NOW - 40_000);
    await set("manual", null, NOW - 40_000); // `tasks run`: only its own heartbeat counts
    assert.deepEqual((await orphanedTaskInstances(db())).map((ti) => ti.task_id), ["orphan"]);
    const zombies = (await silentRunningTis(db(), NOW, 30_000)).map((ti) => ti.task_id).sort();
    assert.deepEqual(zombies, ["manual", "zombie"]);
  });
});

describe(`commit notifications between processes (${TEST_DB})`, () => {
  it("tells a store of commits made through another connection, not of its own", async () => {
    const a = await openTestStore();
    const b = await openStore(a.config);
    const other = await openTestStore();
    const seen: number[] = [];
    const stop = a.store.watchCommits(() => seen.push(Date.now()));
    try {
      await new Promise((resolve) => setTimeout(resolve, 300)); // the watcher is listening
      await setPool(a.store.db, { name: "mine", slots: 1 });
      await setPool(other.store.db, { name: "elsewhere", slots: 1 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(seen, [], "own commits and other schemas' commits are not news");
      const at = Date.now();
      await setPool(b.db, { name: "theirs", slots: 2 });
      const deadline = Date.now() + 5000;
      while (seen.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.ok(seen.length > 0, "another connection's commit was noticed");
      assert.ok(seen[0]! - at < 2000, `noticed after ${seen[0]! - at} ms`);
    } finally {
      stop();
      await b.close();
      await other.cleanup();
      await a.cleanup();
    }
  });
});
