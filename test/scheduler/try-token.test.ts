import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DagRunState, TaskState } from "../../src/common/states.js";
import type { Workload } from "../../src/common/workload.js";
import type { SerializedTask } from "../../src/dag/types.js";
import { BaseExecutor } from "../../src/executors/base.js";
import type { SchedulerExecutor } from "../../src/executors/scheduler-executor.js";
import { enqueueTaskInstances } from "../../src/scheduler/critical-section.js";
import { DagCache } from "../../src/scheduler/dag-cache.js";
import { applyTaskEvents } from "../../src/scheduler/events.js";
import { listAuditLogs } from "../../src/store/queries/audit.js";
import { createDagRun, RunType, setDagRunState } from "../../src/store/queries/dag-runs.js";
import { syncDagBag } from "../../src/store/queries/dags.js";
import { applyTransitions, getTaskInstance } from "../../src/store/queries/task-instances.js";
import { context } from "../executors/helpers.js";
import { TEST_DB } from "../support/home.js";
import { serializedDag, task } from "../support/serialized-dag.js";
import { openTestStore, type TestStore } from "../support/store.js";

/**
 * An executor that sends nothing anywhere: it records what it was asked to send, and reports
 * what the test tells it to, through BaseExecutor (which stamps the token). What is under test
 * is the scheduler's side: the critical section and the event path, on a real database.
 */
class HandOffExecutor extends BaseExecutor {
  readonly sent: Workload[] = [];

  protected executeAsync(workload: Workload): void {
    this.sent.push(workload);
  }

  sync(): void {}

  /** A job id derived from the key, as a remote queue's would be: known before sending. */
  override externalIdFor(workload: Workload): string {
    return `job-${workload.key.taskId}-${workload.key.tryNumber}`;
  }
}

const TASK: SerializedTask = task("t");

describe(`try tokens on the scheduler's event path (${TEST_DB})`, () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
  });
  after(async () => {
    await t?.cleanup();
  });

  const id = { dagId: "tokens", runId: "r1", taskId: "t", mapIndex: -1 };

  async function setUp(): Promise<void> {
    const db = t.store.db;
    const dag = serializedDag({ dagId: "tokens", tasks: [TASK] });
    const now = Date.now();
    await syncDagBag(db, { dags: [{ dag, pausedIfNew: false, nextDagrunAt: null }], errors: [], files: [dag.fileloc], folders: ["/dags"], now });
    const run = await createDagRun(db, { dag, runId: "r1", runType: RunType.MANUAL, logicalDate: now, conf: {}, now, resolveExecutor: () => "HandOff", source: "test" });
    await setDagRunState(db, Number(run.id), { state: DagRunState.RUNNING, startDate: now });
    await schedule(TaskState.NONE);
  }

  /** Moves the TI to scheduled at try 1, as the dependency evaluation (or a reset of a stuck try) would. */
  async function schedule(from: string): Promise<void> {
    const [ok] = await applyTransitions(t.store.db, [{ id, expectStates: [from], expectTry: from === TaskState.NONE ? 0 : 1, set: { state: TaskState.SCHEDULED, try_number: 1 }, audit: null }], Date.now());
    assert.ok(ok, `the TI moved from ${from} to scheduled`);
  }

  /** The real critical section, handing off to `executor`. */
  async function enqueue(executor: SchedulerExecutor): Promise<void> {
    const queued = await enqueueTaskInstances({
      db: t.store.db,
      kind: t.store.kind,
      dags: new DagCache(t.store.db),
      executors: new Map([["HandOff", executor]]),
      jobId: 1,
      parallelism: 8,
      maxTisPerQuery: 8,
      defaultMaxActiveTasks: 8,
      baseLogFolder: "/tmp/switchyard-try-token-logs",
      dagsFolder: "/dags",
      maxTaskLogMb: 0,
      now: Date.now(),
      source: "test",
      fenced: () => false,
    });
    assert.equal(queued, 1);
  }

  const apply = (events: Parameters<typeof applyTaskEvents>[1]) =>
    applyTaskEvents({ db: t.store.db, dags: new DagCache(t.store.db), now: Date.now(), source: "scheduler:test" }, events);

  it("stores the external id when it queues, rejects and audits a report from a copy of the try sent under an older token, applies the current one's", async () => {
    const db = t.store.db;
    await setUp();

    // Sent once, then reset before it started (e.g. revoked from a queue that lost it) and sent again under the same try number.
    const earlier = new HandOffExecutor(context("HandOff"));
    await enqueue(earlier);
    const queuedRow = (await getTaskInstance(db, id))!;
    assert.equal(queuedRow.external_executor_id, "job-t-1", "the external id is on the TI before the executor sent anything");
    assert.equal(earlier.sent.length, 0, "nothing was sent yet when the TI was queued");
    await earlier.heartbeat();
    const stale = earlier.sent[0]!;
    assert.equal(queuedRow.try_token, stale.token);
    await schedule(TaskState.QUEUED);

    const current = new HandOffExecutor(context("HandOff"));
    await enqueue(current);
    await current.heartbeat();
    const fresh = current.sent[0]!;
    assert.equal(fresh.key.tryNumber, stale.key.tryNumber, "the same try number");
    assert.notEqual(fresh.token, stale.token);

    // The earlier copy reports: rejected, audited, nothing changes.
    earlier.runningState(stale.key, { pid: 4242, hostname: "elsewhere" });
    const [staleEvent] = earlier.getEventBuffer();
    assert.equal(staleEvent!.token, stale.token, "BaseExecutor stamps the token of the workload it holds");
    assert.equal(await apply([staleEvent!]), 0);
    const afterStale = (await getTaskInstance(db, id))!;
    assert.equal(afterStale.state, TaskState.QUEUED);
    assert.equal(afterStale.pid, null);
    const rejected = (await listAuditLogs(db, { dagId: "tokens" })).filter((a) => a.event === "report_rejected");
    assert.equal(rejected.length, 1);
    assert.match(rejected[0]!.reason ?? "", /^report 'running' from try 1 rejected: try token mismatch \(try 1 was sent again under another token since this copy was sent; the task instance is queued\)$/);
    for (const token of [stale.token, fresh.token]) assert.ok(!(rejected[0]!.reason ?? "").includes(token), "the audit row never shows a token");
    assert.equal(rejected[0]!.try_number, 1);

    // The current copy's reports are applied.
    current.runningState(fresh.key, { pid: 4343, hostname: "here" });
    assert.equal(await apply(current.getEventBuffer()), 1);
    current.success(fresh.key, { endDate: Date.now() });
    assert.equal(await apply(current.getEventBuffer()), 1);
    const done = (await getTaskInstance(db, id))!;
    assert.equal(done.state, TaskState.SUCCESS);
    assert.equal(done.pid, 4343);

    // A late terminal report of the earlier copy changes nothing either.
    earlier.fail(stale.key, { error: "late" });
    assert.equal(await apply(earlier.getEventBuffer()), 0);
    assert.equal((await getTaskInstance(db, id))!.state, TaskState.SUCCESS);
  });

  it("does not token-check a report that carries no token (the scheduler's own: zombies, sweeps)", async () => {
    const db = t.store.db;
    const row = (await getTaskInstance(db, id))!;
    // Back in flight at try 1, under a token no report below carries.
    await applyTransitions(db, [{ id, expectStates: [row.state], expectTry: 1, set: { state: TaskState.RUNNING, try_token: "token-of-the-running-try" }, audit: null }], Date.now());
    assert.equal(await apply([{ key: { ...id, tryNumber: 1 }, state: "failed", info: { error: "zombie: no heartbeat" } }]), 1);
    assert.equal((await getTaskInstance(db, id))!.state, TaskState.FAILED);
  });
});
