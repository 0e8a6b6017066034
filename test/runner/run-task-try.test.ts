import assert from "node:assert/strict";
import { mkdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { EventInfo } from "../../src/common/workload.js";
import { runTaskTry } from "../../src/runner/run-task-try.js";
import type { TryReporter } from "../../src/runner/types.js";
import { TEST_FOLDERS, alive, tempDir, underRoot, waitUntil, workload } from "../executors/helpers.js";

const OPTS = { folders: TEST_FOLDERS };

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A reporter that records what it was told, in order. */
function recorder(): TryReporter & { calls: Array<{ state: string; info: EventInfo }> } {
  const calls: Array<{ state: string; info: EventInfo }> = [];
  return {
    calls,
    running: (info) => void calls.push({ state: "running", info }),
    finished: (state, info) => void calls.push({ state, info }),
  };
}

describe("runTaskTry", () => {
  it("runs a bash task: running with the bash pid, then success; header, output and footer in the log", async (t) => {
    const dir = await tempDir(t);
    const w = workload(dir, { taskId: "ok" });
    const reporter = recorder();
    const outcome = await runTaskTry(w, reporter, OPTS);
    assert.equal(outcome.state, "success");
    assert.deepEqual(reporter.calls.map((c) => c.state), ["running", "success"]);
    const running = reporter.calls[0]!.info;
    assert.notEqual(running.pid, process.pid, "pid is the bash child's");
    assert.equal(typeof running.hostname, "string");
    assert.equal(typeof running.startDate, "number");
    assert.equal(outcome.info.pid, running.pid);
    assert.ok(outcome.info.endDate! >= outcome.info.startDate!);
    const log = await readFile(w.logPath, "utf8");
    const lines = log.trimEnd().split("\n");
    assert.match(lines[0]!, /^\[\d{4}-\d\d-\d\dT[^\]]+\] switchyard: starting exec_tasks\.ok run=run1 try=1 on /);
    assert.ok(lines.includes("hello from bash"), log);
    assert.match(lines.at(-1)!, /switchyard: finished exec_tasks\.ok run=run1 try=1 state=success duration=\d+\.\d{3}s$/);
  });

  it("gives bash the SWITCHYARD_* variables and the task's env (a task's own env replaces the DAG default)", async (t) => {
    const dir = await tempDir(t);
    const w = workload(dir, { taskId: "env", runId: "manual__x", tryNumber: 3 });
    assert.equal((await runTaskTry(w, recorder(), OPTS)).state, "success");
    const log = await readFile(w.logPath, "utf8");
    assert.ok(
      log.includes("dag=exec_tasks task=env run=manual__x try=3 date=2026-01-01T00:00:00.000Z map=-1 dflt=dflt mine=unset"),
      log,
    );
    const own = workload(dir, { taskId: "env_own" });
    await runTaskTry(own, recorder(), OPTS);
    assert.ok((await readFile(own.logPath, "utf8")).includes("dflt=unset mine=yes"));
  });

  it("fails a bash task that exits non-zero, with its exit code; its stderr is in the log", async (t) => {
    const dir = await tempDir(t);
    const w = workload(dir, { taskId: "fail" });
    const outcome = await runTaskTry(w, recorder(), OPTS);
    assert.equal(outcome.state, "failed");
    assert.equal(outcome.info.error, "bash exited with code 3");
    const log = await readFile(w.logPath, "utf8");
    assert.ok(log.includes("failing\n"));
    assert.ok(log.includes("switchyard: error: bash exited with code 3"));
    assert.ok(log.includes("state=failed"));
  });

  it("returns an fn task's value as plain JSON, runs it in this process, and writes ctx.log lines", async (t) => {
    const dir = await tempDir(t);
    const w = workload(dir, { taskId: "ret" });
    const reporter = recorder();
    const outcome = await runTaskTry(w, reporter, OPTS);
    assert.equal(outcome.state, "success");
    assert.deepEqual(outcome.info.returnValue, { rows: 42, at: "1970-01-01T00:00:00.000Z" });
    assert.equal(reporter.calls[0]!.info.pid, process.pid);
    assert.match(await readFile(w.logPath, "utf8"), /\] computing\n/);
  });

  it("keeps no return value over 64 KiB or not JSON, and says so in the log", async (t) => {
    const dir = await tempDir(t);
    for (const taskId of ["big", "unserialisable"]) {
      const w = workload(dir, { taskId });
      const outcome = await runTaskTry(w, recorder(), OPTS);
      assert.equal(outcome.state, "success");
      assert.equal("returnValue" in outcome.info, false);
      assert.match(await readFile(w.logPath, "utf8"), /return value .* it is not kept/);
    }
  });

  it("fails an fn task that throws: first line as the error, stack in the log", async (t) => {
    const dir = await tempDir(t);
    const w = workload(dir, { taskId: "throws" });
    const outcome = await runTaskTry(w, recorder(), OPTS);
    assert.equal(outcome.state, "failed");
    assert.equal(outcome.info.error, "boom");
    const log = await readFile(w.logPath, "utf8");
    assert.match(log, /task raised: Error: boom\nsecond line\n\s+at /);
  });

  it("succeeds an empty task at once", async (t) => {
    const dir = await tempDir(t);
    const reporter = recorder();
    assert.equal((await runTaskTry(workload(dir, { taskId: "nothing" }), reporter, OPTS)).state, "success");
    assert.deepEqual(reporter.calls.map((c) => c.state), ["running", "success"]);
  });

  it("fails an unknown task id without running anything, naming the tasks that exist", async (t) => {
    const dir = await tempDir(t);
    const w = workload(dir, { taskId: "nope" });
    const reporter = recorder();
    const outcome = await runTaskTry(w, reporter, OPTS);
    assert.equal(outcome.state, "failed");
    assert.match(outcome.info.error!, /^task 'nope' is not defined in DAG 'exec_tasks' \(.*tasks-dag\.ts\); its tasks: ok, fail, env/);
    assert.deepEqual(reporter.calls.map((c) => c.state), ["failed"]);
    assert.ok((await readFile(w.logPath, "utf8")).includes("task 'nope' is not defined"));
  });

  it("fails an unknown DAG id and a DAG file that does not load", async (t) => {
    const dir = await tempDir(t);
    const wrongDag = await runTaskTry(workload(dir, { taskId: "ok", dagId: "other" }), recorder(), OPTS);
    assert.match(wrongDag.info.error!, /^DAG 'other' is not defined in .*tasks-dag\.ts; DAGs in that file: exec_tasks, exec_other$/);
    const broken = join(dir, "broken.ts");
    await writeFile(broken, 'throw new Error("cannot import me");\n');
    const noFile = await runTaskTry(workload(dir, { taskId: "ok", dagFile: broken }), recorder(), OPTS);
    assert.equal(noFile.state, "failed");
    assert.match(noFile.info.error!, /^could not load DAG file .*broken\.ts: cannot import me$/);
  });

  it("fails with a clear error when the log file cannot be opened", async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, "file"), "");
    const w = { ...workload(dir, { taskId: "ok" }), logRelativePath: underRoot(join(dir, "file", "x.log")) };
    const reporter = recorder();
    const outcome = await runTaskTry(w, reporter, OPTS);
    assert.equal(outcome.state, "failed");
    assert.match(outcome.info.error!, /^could not open log file .*x\.log: /);
    assert.deepEqual(reporter.calls.map((c) => c.state), ["failed"]);
  });

  it("times out a bash try (workload timeout), killing its whole process group", async (t) => {
    const dir = await tempDir(t);
    const reporter = recorder();
    const started = Date.now();
    const outcome = await runTaskTry(workload(dir, { taskId: "tree", timeout: 0.5 }), reporter, OPTS);
    assert.ok(Date.now() - started < 4_000, "stopped well before the sleeps end");
    assert.equal(outcome.state, "failed");
    assert.equal(outcome.info.error, "timed out after 0.5s");
    assert.equal(outcome.info.timedOut, true);
    const pgid = reporter.calls[0]!.info.pid!;
    await waitUntil(() => !groupExists(pgid), "every process of the group to be gone", 3_000);
  });

  it("writes a bash task's stdout and stderr to the log in the order it wrote them", async (t) => {
    const dir = await tempDir(t);
    const w = workload(dir, { taskId: "interleaved" });
    assert.equal((await runTaskTry(w, recorder(), OPTS)).state, "success");
    const output = (await readFile(w.logPath, "utf8")).split("\n").filter((line) => !line.startsWith("["));
    assert.deepEqual(output.filter((line) => line !== ""), ["one", "two", "three", "four"]);
  });

  it("ends a bash try when bash exits, killing what it left running in the background", async (t) => {
    const dir = await tempDir(t);
    const w = workload(dir, { taskId: "leaves_child" });
    const started = Date.now();
    assert.equal((await runTaskTry(w, recorder(), OPTS)).state, "success");
    assert.ok(Date.now() - started < 10_000, "did not wait for the background sleep");
    const child = Number(/child=(\d+)/.exec(await readFile(w.logPath, "utf8"))?.[1]);
    assert.ok(child > 0);
    await waitUntil(() => !alive(child), "the background child to be killed", 3_000);
  });

  it("fails a bash task killed by a signal, naming the signal", async (t) => {
    const dir = await tempDir(t);
    const outcome = await runTaskTry(workload(dir, { taskId: "self_term" }), recorder(), OPTS);
    assert.equal(outcome.state, "failed");
    assert.equal(outcome.info.error, "killed by SIGTERM");
  });

  it("uses the task's own timeout option when the workload has none", async (t) => {
    const dir = await tempDir(t);
    const outcome = await runTaskTry(workload(dir, { taskId: "sleep_with_timeout" }), recorder(), OPTS);
    assert.equal(outcome.info.error, "timed out after 1s");
    assert.equal(outcome.info.timedOut, true);
  });

  it("times out an fn that ignores its signal, and aborts ctx.signal for one that listens", async (t) => {
    const dir = await tempDir(t);
    const hang = await runTaskTry(workload(dir, { taskId: "hang", timeout: 0.2 }), recorder(), OPTS);
    assert.equal(hang.state, "failed");
    assert.equal(hang.info.timedOut, true);
    const listening = await runTaskTry(workload(dir, { taskId: "wait_signal", timeout: 0.2 }), recorder(), OPTS);
    assert.equal(listening.info.error, "timed out after 0.2s");
  });

  it("kills a try when its signal is aborted: failed with 'killed', not timedOut", async (t) => {
    const dir = await tempDir(t);
    const controller = new AbortController();
    const reporter: TryReporter = { running: () => controller.abort(), finished: () => {} };
    const outcome = await runTaskTry(workload(dir, { taskId: "sleep" }), reporter, { ...OPTS, signal: controller.signal, killGraceMs: 100 });
    assert.equal(outcome.state, "failed");
    assert.equal(outcome.info.error, "killed");
    assert.equal(outcome.info.timedOut, undefined);
    assert.equal(alive(outcome.info.pid!), false);
    const already = new AbortController();
    already.abort();
    const before = await runTaskTry(workload(dir, { taskId: "ok", runId: "r2" }), recorder(), { ...OPTS, signal: already.signal });
    assert.equal(before.info.error, "killed");
  });

  it("routes the console output of concurrent fn tries to each try's own log", async (t) => {
    const dir = await tempDir(t);
    const runs = ["a", "b", "c"].map((runId) => workload(dir, { taskId: "chatty", runId }));
    const outcomes = await Promise.all(runs.map((w) => runTaskTry(w, recorder(), OPTS)));
    assert.deepEqual(outcomes.map((o) => o.state), ["success", "success", "success"]);
    for (const w of runs) {
      const log = await readFile(w.logPath, "utf8");
      const own = w.key.runId;
      for (let i = 0; i < 5; i++) {
        for (const kind of ["out", "err", "raw"]) assert.ok(log.includes(`${kind} ${own} ${i}\n`), `${kind} ${own} ${i} in ${log}`);
      }
      const others = log.split("\n").filter((line) => /^(out|err|raw) /.test(line) && !line.includes(` ${own} `));
      assert.deepEqual(others, [], `only ${own}'s output in its log`);
    }
  });

  it("appends to an existing log and survives a reporter that throws", async (t) => {
    const dir = await tempDir(t);
    const w = workload(dir, { taskId: "ok" });
    const throwing: TryReporter = {
      running: () => {
        throw new Error("reporter down");
      },
      finished: async () => {
        throw new Error("still down");
      },
    };
    assert.equal((await runTaskTry(w, throwing, OPTS)).state, "success");
    await runTaskTry(w, recorder(), OPTS);
    const log = await readFile(w.logPath, "utf8");
    assert.equal(log.match(/switchyard: starting/g)?.length, 2);
    assert.ok(log.includes("could not report try state: reporter down"));
  });

  it("re-imports a DAG file whose mtime changed, and reuses it while unchanged", async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, "dags", "changing.ts");
    await mkdir(join(dir, "dags"));
    const write = async (word: string, mtime: number) => {
      await writeFile(file, `import { dag } from "@switchyard/core";\nconst d = dag("changing");\nd.bash("say", "echo ${word}");\nexport default d;\n`);
      await utimes(file, mtime, mtime);
    };
    const say = (runId: string) => workload(dir, { taskId: "say", dagId: "changing", dagFile: file, runId });
    await write("first", 1_700_000_000);
    await runTaskTry(say("r1"), recorder(), OPTS);
    assert.ok((await readFile(say("r1").logPath, "utf8")).includes("first\n"));
    await write("second", 1_700_000_100);
    await runTaskTry(say("r2"), recorder(), OPTS);
    assert.ok((await readFile(say("r2").logPath, "utf8")).includes("second\n"));
  });

  it("leaves output outside a try on the real stream", async (t) => {
    const dir = await tempDir(t);
    await runTaskTry(workload(dir, { taskId: "ret" }), recorder(), OPTS);
    // After a try the patch is installed; a write outside any try must still succeed normally.
    assert.equal(process.stdout.write(""), true);
  });
});

