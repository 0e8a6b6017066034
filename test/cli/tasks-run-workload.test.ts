/**
 * `switchyard tasks run … --workload <json>`: what a KubernetesExecutor's pod runs. It never opens
 * the metadata database (this home's URL points nowhere), logs the try to stdout, ends with the
 * result line (and the reason on failure), exits 0 or 1; bad input is refused with a clear error.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Home } from "../support/home.js";
import { dagFile } from "../worker/helpers.js";

const DAG = dagFile("pod", `d.bash("ok", "echo hello from the pod");\nd.bash("fail", "echo about to fail; exit 4");\nd.fn("ret", async () => ({ rows: 7 }));`);

function workload(taskId: string, extra: Record<string, unknown> = {}) {
  return {
    key: { dagId: "pod", taskId, runId: "r1", mapIndex: -1, tryNumber: 1 },
    dagFile: "pod.ts",
    queue: "default",
    pool: "default_pool",
    priorityWeight: 1,
    executorConfig: {},
    token: "tok",
    logRelativePath: `pod/${taskId}.log`,
    timeout: null,
    logicalDate: "2026-01-01T00:00:00.000Z",
    conf: {},
    ...extra,
  };
}
const args = (taskId: string, w: unknown, runId = "r1") => ["tasks", "run", "pod", taskId, runId, "--try", "1", "--workload", typeof w === "string" ? w : JSON.stringify(w)];

describe("tasks run --workload (in a pod)", () => {
  let home: Home;
  before(() => {
    home = new Home({ toml: `[database]\nurl = "postgresql://nobody:wrong@127.0.0.1:1/nowhere"\n`, dags: { "pod.ts": DAG } });
  });
  after(() => home.cleanup());

  it("runs a try without the database: log on stdout, the result line last, exit 0", async () => {
    const r = await home.run(args("ret", workload("ret")));
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.match(lines[0]!, /switchyard: starting pod\.ret run=r1 try=1/);
    const result = JSON.parse(lines.at(-1)!.replace(/^switchyard-result: /, "")) as { state: string; info: { returnValue: unknown } };
    assert.equal(result.state, "success");
    assert.deepEqual(result.info.returnValue, { rows: 7 });
  });

  it("a failed try exits 1 with the reason as the last line", async () => {
    const r = await home.run(args("fail", workload("fail")));
    assert.equal(r.code, 1);
    assert.match(r.stdout, /about to fail/);
    assert.equal(r.stdout.trim().split("\n").at(-1), "pod.fail run=r1 try=1 failed: bash exited with code 4");
  });

  it("a DAG file outside its dags folder fails the try, saying so", async () => {
    const r = await home.run(args("ok", workload("ok", { dagFile: "../elsewhere.ts" })));
    assert.equal(r.code, 1);
    assert.match(r.stdout.trim().split("\n").at(-1)!, /climbs out of .* with "\.\."/);
  });

  for (const [what, argv, message] of [
    ["JSON that is not JSON", args("ok", "{nope"), "--workload is not JSON"],
    ["a workload missing fields", args("ok", { key: workload("ok").key }), "--workload is not a try's workload: workload.dagFile"],
    ["a workload of another try", args("ok", workload("ok"), "r2"), "--workload is for pod.ok run=r1 try=1, but the arguments name pod.ok run=r2 try=1"],
    ["no --try", ["tasks", "run", "pod", "ok", "r1", "--workload", JSON.stringify(workload("ok"))], "--workload needs --try"],
  ] as const) {
    it(`refuses ${what}`, async () => {
      const r = await home.run([...argv]);
      assert.notEqual(r.code, 0);
      assert.ok(r.stderr.includes(message), r.stderr);
    });
  }
});
