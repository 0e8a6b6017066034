import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, it } from "node:test";
import { eventually, Home } from "../support/home.js";

const DAGS = {
  "logs.ts": `import { dag } from "@switchyard/core";
const d = dag("logs", { schedule: null });
d.bash("loud_bash", "for i in $(seq 1 5000); do echo \\"bash line $i of a chatty task\\"; done");
d.fn("loud_fn", async () => { for (let i = 1; i <= 5000; i++) console.log(\`fn line \${i} of a chatty task\`); });
d.bash("lines", "for i in $(seq 1 50); do echo \\"line $i\\"; done");
export default d;
`,
  "slow.ts": `import { dag } from "@switchyard/core";
const d = dag("slow", { schedule: null });
d.bash("ticks", "echo first; while [ ! -e \\"$RELEASE\\" ]; do sleep 0.05; done; echo second");
export default d;
`,
};

describe("task logs: size cap, --tail and --follow", () => {
  let home: Home;
  before(async () => {
    home = new Home({ toml: `[logging]\nmax_task_log_mb = 0.05\n`, dags: DAGS });
    await home.ok(["db", "init"]);
  });
  after(() => home.cleanup());

  it("the runner stops writing at max_task_log_mb and says so; the try still ends as it would", async () => {
    const { states } = await home.runDag("logs");
    for (const task of ["loud_bash", "loud_fn"]) {
      assert.equal(states.get(task)!.state, "success");
      const log = await home.ok(["tasks", "logs", "logs", task, "r1"]);
      const cap = 0.05 * 1024 * 1024;
      assert.ok(Buffer.byteLength(log) < cap + 1024, `${task}: ${Buffer.byteLength(log)} bytes, cap ${cap}`);
      assert.match(log, /switchyard: log truncated at 0\.05 MB \(\[logging\] max_task_log_mb\); later output of this try is dropped/);
      assert.doesNotMatch(log, /line 5000 of/);
      assert.match(log, /switchyard: finished .* state=success/, "the runner's own closing line is kept");
    }
  });

  it("--tail N prints the last N lines", async () => {
    const tail = await home.ok(["tasks", "logs", "logs", "lines", "r1", "--tail", "3"]);
    const lines = tail.trimEnd().split("\n");
    assert.equal(lines.length, 3);
    assert.deepEqual(lines.slice(0, 2), ["line 49", "line 50"]);
    assert.match(lines[2]!, /switchyard: finished/);
    const bad = await home.run(["tasks", "logs", "logs", "lines", "r1", "--tail", "x"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--tail must be an integer >= 0 \(got 'x'\)/);
  });

  it("--follow streams a running try's log and exits when the try ends", async () => {
    const release = home.file("release");
    await home.ok(["dags", "trigger", "slow", "--run-id", "r1"]);
    const scheduler = home.spawn(["scheduler", "--exit-when-idle"], { env: { RELEASE: release } });
    const log = await eventually("the try's log", async () => {
      const r = await home.run(["tasks", "logs", "slow", "ticks", "r1"]);
      return r.code === 0 && r.stdout.includes("first") ? r.stdout : undefined;
    });
    assert.doesNotMatch(log, /second/);
    const follow = home.spawn(["tasks", "logs", "slow", "ticks", "r1", "--follow"]);
    let seen = "";
    await new Promise<void>((resolve) => {
      follow.child.stdout!.on("data", (d: Buffer) => {
        seen += d.toString();
        if (seen.includes("first")) resolve();
      });
      follow.child.once("close", () => resolve());
    });
    fs.writeFileSync(release, "");
    const r = await follow.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /first\n(.*\n)*second\n(.*\n)*.*switchyard: finished .* state=success/);
    assert.equal((await scheduler.done).code, 0);
  });
});
