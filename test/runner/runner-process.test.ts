import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { describe, it, type TestContext } from "node:test";
import type { TaskEvent } from "../../src/common/workload.js";
import { LEASE_CHECK_MS, LEASE_EXPIRED_EXIT_CODE } from "../../src/runner/constants.js";
import { forkRunnerProcess, inheritedExecArgv, runnerProcessPath } from "../../src/runner/fork-runner.js";
import { eventsOf, parseChildMessage, parseParentMessage, type ChildMessage, type ParentMessage } from "../../src/runner/protocol.js";
import { TEST_FOLDERS, alive, tempDir, waitUntil, workload } from "../executors/helpers.js";

/** A runner child with its messages and stderr collected; killed when the test ends. */
async function runner(t: TestContext) {
  const child: ChildProcess = forkRunnerProcess({ folders: TEST_FOLDERS, output: "pipe" });
  const messages: ChildMessage[] = [];
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.on("message", (raw) => messages.push(parseChildMessage(raw)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  await waitUntil(() => messages.some((m) => m.type === "ready"), "the runner to be ready");
  const events = () => messages.flatMap((m) => eventsOf(m));
  return {
    child,
    events,
    stderr: () => stderr,
    send: (message: ParentMessage | Record<string, unknown>) => child.send(message),
    eventsOf: (runId: string): TaskEvent[] => events().filter((e) => e.key.runId === runId),
  };
}

/** A runner with the fixture's `tree` try running (a bash process tree); `pid` is its guard's, the try's process group id. */
async function runnerWithTree(t: TestContext) {
  const dir = await tempDir(t);
  const r = await runner(t);
  r.send({ type: "run", workload: workload(dir, { taskId: "tree" }) });
  await waitUntil(() => r.events().some((e) => e.state === "running"), "running");
  return { r, pid: r.events()[0]!.info.pid! };
}

describe("runner process", () => {
  it("resolves its own module with the caller's extension and keeps loader flags only", () => {
    assert.match(runnerProcessPath(), /runner-process\.ts$/);
    assert.deepEqual(inheritedExecArgv(["--import", "tsx", "--test", "--inspect=9229", "--test-reporter=tap"]), ["--import", "tsx"]);
  });

  it("runs several tries at once and reports them over IPC", async (t) => {
    const dir = await tempDir(t);
    const r = await runner(t);
    r.send({ type: "run", workload: workload(dir, { taskId: "ok", runId: "a" }) });
    r.send({ type: "run", workload: workload(dir, { taskId: "ret", runId: "b" }) });
    await waitUntil(() => r.events().filter((e) => e.state === "success").length === 2, "two successes");
    assert.deepEqual(r.eventsOf("a").map((e) => e.state), ["running", "success"]);
    assert.deepEqual(r.eventsOf("b").at(-1)!.info.returnValue, { rows: 42, at: "1970-01-01T00:00:00.000Z" });
    assert.equal(r.eventsOf("b")[0]!.info.pid, r.child.pid);
  });

  it("runs every try of a runs message", async (t) => {
    const dir = await tempDir(t);
    const r = await runner(t);
    r.send({ type: "runs", workloads: ["a", "b", "c"].map((runId) => workload(dir, { taskId: "ok", runId })) });
    await waitUntil(() => r.events().filter((e) => e.state === "success").length === 3, "three successes");
    for (const runId of ["a", "b", "c"]) assert.deepEqual(r.eventsOf(runId).map((e) => e.state), ["running", "success"]);
  });

  it("logs a malformed message to stderr, ignores it and keeps working", async (t) => {
    const dir = await tempDir(t);
    const r = await runner(t);
    r.send({ type: "run", workload: { key: { dagId: "x" } } });
    r.send({ type: "explode" });
    r.send({ type: "run", workload: workload(dir, { taskId: "ok" }) });
    await waitUntil(() => r.events().some((e) => e.state === "success"), "the valid run to succeed");
    await waitUntil(() => (r.stderr().match(/malformed message/g) ?? []).length === 2, "two warnings");
    assert.match(r.stderr(), /malformed message from the executor \(valid types: run, runs, kill, shutdown, lease\): message\.workload\.key\.taskId: /);
  });

  it("kills a try on a kill message: failed with 'killed', or with the reason the message gives, also in its log", async (t) => {
    const dir = await tempDir(t);
    const r = await runner(t);
    const plain = workload(dir, { taskId: "sleep", runId: "plain" });
    const why = workload(dir, { taskId: "sleep", runId: "why" });
    r.send({ type: "runs", workloads: [plain, why] });
    await waitUntil(() => r.events().filter((e) => e.state === "running").length === 2, "both running");
    r.send({ type: "kill", key: plain.key });
    r.send({ type: "kill", key: why.key, reason: "stopped: the scheduler lost its lease" });
    await waitUntil(() => r.events().filter((e) => e.state === "failed").length === 2, "both failed");
    assert.equal(r.eventsOf("plain").at(-1)!.info.error, "killed");
    assert.equal(r.eventsOf("why").at(-1)!.info.error, "stopped: the scheduler lost its lease");
    assert.match(await readFile(why.logPath, "utf8"), /switchyard: error: stopped: the scheduler lost its lease\n/);
  });

  it("finishes its tries on shutdown, then exits 0", async (t) => {
    const dir = await tempDir(t);
    const r = await runner(t);
    r.send({ type: "run", workload: workload(dir, { taskId: "mark", conf: { markerFile: `${dir}/m`, ms: 200 } }) });
    r.send({ type: "shutdown" });
    const [code] = (await once(r.child, "exit")) as [number | null];
    assert.equal(code, 0);
    assert.deepEqual(r.events().map((e) => e.state), ["running", "success"]);
  });

  it("kills its bash process groups and exits when the parent goes away", async (t) => {
    const { r, pid: bashPid } = await runnerWithTree(t);
    const exited = once(r.child, "exit");
    r.child.disconnect(); // what the runner sees when the scheduler is SIGKILLed
    await exited;
    await waitUntil(() => !groupAlive(bashPid), "the bash group to be gone", 3_000);
    assert.equal(alive(bashPid), false);
  });

  it("leaves no bash try running when it is SIGKILLed: the try's guard kills its group", async (t) => {
    const { r, pid: pgid } = await runnerWithTree(t);
    assert.ok(groupAlive(pgid));
    const exited = once(r.child, "exit");
    r.child.kill("SIGKILL"); // nothing of the runner runs after this: only the guard can clean up
    await exited;
    await waitUntil(() => !groupAlive(pgid), "the bash group to be gone", 3_000);
  });

  it("kills its tries and exits with the lease code once the lease runs out unrenewed; idle, it stays", async (t) => {
    const dir = await tempDir(t);
    const r = await runner(t);
    r.send({ type: "lease", until: Date.now() - 1_000 }); // already out, but there is nothing to stop
    // No event says "did not exit": give it several checks, then look.
    await new Promise((resolve) => setTimeout(resolve, 5 * LEASE_CHECK_MS));
    assert.equal(r.child.exitCode, null, "an idle runner does not exit when its lease runs out");
    r.send({ type: "lease", until: Date.now() + 300 });
    r.send({ type: "run", workload: workload(dir, { taskId: "tree", runId: "long" }) });
    await waitUntil(() => r.eventsOf("long").some((e) => e.state === "running"), "running");
    const bashPid = r.eventsOf("long")[0]!.info.pid!;
    const [code] = (await once(r.child, "exit")) as [number | null];
    assert.equal(code, LEASE_EXPIRED_EXIT_CODE);
    await waitUntil(() => !groupAlive(bashPid), "the bash group to be gone", 3_000);
    assert.ok(!r.eventsOf("long").some((e) => e.state === "success" || e.state === "failed"), "nothing reported for the stopped try");
    const log = await readFile(workload(dir, { taskId: "tree", runId: "long" }).logPath, "utf8");
    assert.match(log, /switchyard: stopped: the scheduler's lease ran out at .*; this try's result is not recorded\n$/, "the log says why it ends there");
  });

  it("validates both directions of the protocol", () => {
    assert.deepEqual(parseParentMessage({ type: "shutdown" }), { type: "shutdown" });
    assert.deepEqual(parseParentMessage({ type: "lease", until: 5 }), { type: "lease", until: 5 });
    assert.throws(() => parseParentMessage({ type: "lease", until: "soon" }), /message\.until/);
    assert.throws(() => parseParentMessage(null), /malformed message from the executor/);
    assert.throws(() => parseChildMessage({ type: "event", event: { key: {}, state: "done", info: {} } }), /malformed message from a runner process/);
  });
});

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
