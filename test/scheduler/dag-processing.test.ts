import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { afterEach, describe, it } from "node:test";
import { eventually, Home, TEST_DB, type CliResult } from "../support/home.js";

let home: Home;
afterEach(() => home?.cleanup());

interface ImportErrorRow {
  filename: string;
  error: string;
}

/**
 * A lease of 3 s (half the threshold): shorter than the parses below (4 s together, or endless),
 * and long enough that a busy 2-core machine starving the scheduler for a moment is not mistaken
 * for a scheduler stuck behind a parse.
 */
const SHORT_LEASE = `[scheduler]
job_heartbeat_sec = 0.5
scheduler_health_check_threshold = 6
`;

/** Three tasks of another DAG that run while the slow parse goes on. */
const WORK_DAG = `import { dag } from "@switchyard/core";
const d = dag("work");
for (const t of ["a", "b", "c"]) d.bash(t, "sleep 5");
export default d;
`;

/** A DAG file whose import keeps the CPU busy for `ms` (forever when null). */
function busyDag(dagId: string, ms: number | null): string {
  const loop = ms === null ? "for (;;) {}" : `const until = Date.now() + ${ms};\nwhile (Date.now() < until) {}`;
  return `import { dag } from "@switchyard/core";\n${loop}\nconst d = dag("${dagId}");\nd.bash("t", "true");\nexport default d;\n`;
}

/** The DAG parsing processes of this test's home still alive (`ps`, then each one's environment). */
function parsingProcesses(): string[] {
  return execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes("dagbag-worker"))
    .filter((line) => {
      const pid = line.trim().split(/\s+/)[0]!;
      try {
        return fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(`SWITCHYARD_HOME=${home.dir}`);
      } catch {
        return false; // gone meanwhile
      }
    });
}

function schedulerJobs(): number {
  return Number(home.query<{ n: number | string }>("select count(*) as n from job where job_type = 'scheduler'")[0]!.n);
}

/** Starts a scheduler on `work`, waits until its three tries run, drops `files` into the dags folder, and returns the scheduler's result. */
async function dropFilesWhileTasksRun(files: Record<string, string>): Promise<CliResult> {
  await home.ok(["db", "init"]);
  await home.ok(["dags", "trigger", "work", "--run-id", "r1"]);
  const scheduler = home.spawn(["scheduler", "--exit-when-idle"]);
  await eventually("the three tries to run", async () => (await home.states("work", "r1")).every((s) => s.state === "running"));
  for (const [name, text] of Object.entries(files)) home.writeDag(name, text);
  return scheduler.done;
}

async function assertUndisturbed(result: CliResult): Promise<void> {
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stderr, /lease lost|rejoined/);
  assert.equal(schedulerJobs(), 1, "the scheduler kept its job: it never rejoined as a new one");
  for (const s of await home.states("work", "r1")) {
    assert.equal(s.state, "success", `${s.taskId}: ${s.state}`);
    assert.equal(s.tryNumber, 1, `${s.taskId} ran once`);
  }
}

describe("DAG parsing runs beside the scheduling loop", () => {
  it("an endless DAG file dropped mid-run costs its own import error; the scheduler keeps its lease and the running tries", async () => {
    home = new Home({ toml: `[core]\ndagbag_import_timeout = 4\n${SHORT_LEASE}`, dags: { "work.ts": WORK_DAG } });
    const result = await dropFilesWhileTasksRun({ "endless.ts": busyDag("endless", null) });
    await assertUndisturbed(result);
    const errors = await home.json<ImportErrorRow[]>(["dags", "list-import-errors"]);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0]!.filename, /endless\.ts$/);
    assert.match(errors[0]!.error, /timed out after 4s/);
  });

  it("four slow but valid DAG files, longer together than the lease, are all parsed without the scheduler losing its lease", async () => {
    home = new Home({ toml: `[core]\ndagbag_import_timeout = 10\ndag_parse_cache = false\n${SHORT_LEASE}`, dags: { "work.ts": WORK_DAG } });
    const slow = Object.fromEntries([1, 2, 3, 4].map((i) => [`slow${i}.ts`, busyDag(`slow${i}`, 1000)]));
    const result = await dropFilesWhileTasksRun(slow);
    await assertUndisturbed(result);
    const dags = await home.json<Array<{ dagId: string }>>(["dags", "list"]);
    assert.deepEqual(dags.map((d) => d.dagId).sort(), ["slow1", "slow2", "slow3", "slow4", "work"]);
  });
});

describe("the heartbeat does not wait on a pass", () => {
  // On SQLite every statement shares one file lock: a lock held elsewhere holds the heartbeat too.
  it("a pass stuck on a locked table for longer than the lease does not cost the scheduler its lease", { skip: TEST_DB !== "postgres" && "PostgreSQL only: SQLite has one lock for the whole file" }, async () => {
    home = new Home({ toml: SHORT_LEASE, dags: { "work.ts": WORK_DAG } });
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "work", "--run-id", "r1"]);
    const scheduler = home.spawn(["scheduler", "--exit-when-idle"]);
    await eventually("the three tries to run", async () => (await home.states("work", "r1")).every((s) => s.state === "running"));
    // The passes read dag_run all the time; the heartbeat writes only job and task_instance.
    home.query("begin; lock table dag_run in access exclusive mode; select pg_sleep(4); commit");
    await assertUndisturbed(await scheduler.done);
  });
});

describe("the DAG parsing process is bounded", () => {
  it("a DAG file that allocates without bound is killed at [core] dagbag_import_memory_mb and reported as an import error naming the limit", async () => {
    // Bounded at ~800 MB so that, without the limit, the file ends in the import timeout rather than exhausting the machine.
    const hog = `import { dag } from "@switchyard/core";
const keep = [];
for (let i = 0; i < 100; i++) keep.push(new Array(1 << 20).fill(i));
for (;;) {}
export default dag("hog");
`;
    home = new Home({
      toml: `[core]\ndagbag_import_timeout = 20\ndagbag_import_memory_mb = 128\n`,
      dags: { "hog.ts": hog, "fine.ts": busyDag("fine", 0) },
    });
    await home.ok(["db", "init"]);
    const dags = await home.json<Array<{ dagId: string }>>(["dags", "list"]);
    assert.deepEqual(dags.map((d) => d.dagId), ["fine"]);
    const errors = await home.json<ImportErrorRow[]>(["dags", "list-import-errors"]);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0]!.filename, /hog\.ts$/);
    assert.match(errors[0]!.error, /ran out of memory .*limit: \[core\] dagbag_import_memory_mb = 128/);
  });

  it("a DAG file that starts a process inheriting stdio hangs no command, and no parsing process or group outlives it", { timeout: 90_000 }, async () => {
    // A duration no other process on the machine uses: how `ps` finds what the DAG file started.
    const marker = `${3000 + Math.floor(Math.random() * 1000)}.${process.pid}`;
    const spawner = `import { spawn } from "node:child_process";
import { dag } from "@switchyard/core";
spawn("sleep", ["${marker}"], { stdio: "inherit" });
export default dag("spawner");
`;
    // The run is of another DAG: what the DAG file starts when a task's runner imports it is not parsing's to clean up.
    home = new Home({ toml: `[core]\ndag_parse_cache = false\n`, dags: { "spawner.ts": spawner, "other.ts": busyDag("other", 0) } });
    const leftovers = () => {
      const sleeps = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" }).split("\n").filter((line) => line.includes(`sleep ${marker}`));
      return [...sleeps, ...parsingProcesses()];
    };
    await home.ok(["db", "init"]);
    for (const args of [["dags", "list"], ["dags", "trigger", "other", "--run-id", "r1"], ["scheduler", "--exit-when-idle"]]) {
      const result = await home.run(args);
      assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
      assert.deepEqual(leftovers(), [], `after ${args.join(" ")}`);
    }
    assert.equal((await home.states("other", "r1"))[0]!.state, "success");
  });
});

describe("a parsing process outlives no parent", () => {
  it("a command killed with SIGKILL while an endless DAG file is parsed leaves no parsing process behind", async () => {
    home = new Home({ toml: `[core]\ndagbag_import_timeout = 120\n` });
    const entered = home.file("importing");
    home.writeDag("endless.ts", `import fs from "node:fs";\nfs.writeFileSync(${JSON.stringify(entered)}, "");\n${busyDag("endless", null)}`);
    await home.ok(["db", "init"]);
    fs.rmSync(entered, { force: true }); // should db init ever parse
    const list = home.spawn(["dags", "list"]);
    await eventually("the parsing process to be inside the endless import", async () => fs.existsSync(entered));
    list.child.kill("SIGKILL");
    await list.done;
    await eventually("the orphaned parsing process to be killed", async () => parsingProcesses().length === 0);
  });
});

describe("switchyard dag-processor ([scheduler] standalone_dag_processor)", () => {
  it("a scheduler with standalone_dag_processor does not parse; dag-processor does, and its DAGs run", async () => {
    home = new Home({ toml: `[scheduler]\nstandalone_dag_processor = true\n`, dags: { "first.ts": busyDag("first", 0) } });
    await home.ok(["db", "init"]);
    await home.ok(["dag-processor", "--num-runs", "1"]);
    // Read from the database: `dags list` and `dags trigger` parse for themselves.
    assert.deepEqual(home.query("select dag_id from dag"), [{ dag_id: "first" }]);
    await home.ok(["dags", "trigger", "first", "--run-id", "r1"]);
    // A DAG file added now is not seen by the scheduler: only the DAG processor parses.
    home.writeDag("second.ts", busyDag("second", 0));
    const scheduler = await home.runSchedulersUntilIdle();
    assert.doesNotMatch(scheduler.stderr, /parsed \d+ DAG file/);
    assert.equal((await home.states("first", "r1"))[0]!.state, "success");
    assert.equal(home.query("select dag_id from dag where dag_id = 'second'").length, 0, "the scheduler did not parse second.ts");
  });

  it("runs until SIGTERM, parsing again when a file changes", async () => {
    home = new Home({ dags: { "first.ts": busyDag("first", 0) } });
    await home.ok(["db", "init"]);
    const processor = home.spawn(["dag-processor"]);
    await eventually("first to be parsed", async () => home.query("select dag_id from dag where dag_id = 'first'").length === 1);
    home.writeDag("second.ts", busyDag("second", 0));
    await eventually("second to be parsed", async () => home.query("select dag_id from dag where dag_id = 'second'").length === 1);
    processor.child.kill("SIGTERM");
    const result = await processor.done;
    assert.equal(result.code, 0, result.stderr);
  });

  it("rejects a --num-runs that is not a positive integer, writing nothing", async () => {
    home = new Home({ dags: { "first.ts": busyDag("first", 0) } });
    await home.ok(["db", "init"]);
    for (const bad of ["0", "-1", "1.5", "x"]) {
      const result = await home.run(["dag-processor", "--num-runs", bad]);
      assert.notEqual(result.code, 0, bad);
      assert.match(result.stderr, new RegExp(`--num-runs must be an integer >= 1 \\(got '${bad.replace(".", "\\.")}'\\)`));
    }
    assert.equal(home.query("select dag_id from dag").length, 0);
  });
});
