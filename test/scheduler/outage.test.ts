import assert from "node:assert/strict";
import fs from "node:fs";
import { afterEach, describe, it } from "node:test";
import { PgAdmin } from "../../chaos/pg-admin.js";
import { eventually, Home, PG_TEST_URL, TEST_DB, type AuditRow } from "../support/home.js";

/** The outage the reliability issue names: schedulers must pause, retry and resume through it. */
const OUTAGE_MS = 60_000;

let home: Home | undefined;
let admin: PgAdmin | undefined;
afterEach(async () => {
  home?.cleanup();
  if (admin && home?.pgSchema) await admin.dropAll(home.pgSchema);
  home = undefined;
  admin = undefined;
});


describe("database outage", () => {
  it(
    `two schedulers ride out a ${OUTAGE_MS / 1000}s outage: reports held through it are applied once, cut-off tries re-run, nothing overlaps`,
    { skip: TEST_DB !== "postgres" && "an outage is made by refusing a PostgreSQL role's logins (SWITCHYARD_TEST_DB=postgres)", timeout: OUTAGE_MS + 120_000 },
    async () => {
      // Defaults for the thresholds (30 s): the outage is twice as long, so each scheduler's lease runs out during it.
      home = new Home({ toml: `[core]\nexecutor = "LocalExecutor"\n[scheduler]\njob_heartbeat_sec = 1\n` });
      admin = new PgAdmin(PG_TEST_URL, `sy_outage_${process.pid}_${Date.now() % 100_000}`);
      await admin.createRole();
      const env = { SWITCHYARD__DATABASE__URL: admin.url };
      const markers = home.file("markers.txt");
      const marked = (name: string, body: string) =>
        `echo "start ${name}#$SWITCHYARD_TRY_NUMBER $(date +%s%3N)" >> ${markers}; ${body}; echo "end ${name}#$SWITCHYARD_TRY_NUMBER $(date +%s%3N)" >> ${markers}`;
      // `during` ends a few seconds into the outage, before any lease runs out: its report is held.
      // `across` is still running when the leases run out: it is stopped, and its second try is short.
      home.writeDag(
        "o.ts",
        `import { dag } from "@switchyard/core";
const d = dag("outage");
const during = d.bash("during", ${JSON.stringify(marked("during", "sleep 4"))});
const across = d.bash("across", ${JSON.stringify(marked("across", 'if [ "$SWITCHYARD_TRY_NUMBER" = 1 ]; then sleep 40; else sleep 0.2; fi'))});
d.bash("after", ${JSON.stringify(marked("after", "true"))}).after(during, across);
export default d;
`,
      );
      await home.ok(["db", "init"], { env });
      await home.ok(["dags", "trigger", "outage", "--run-id", "r1"], { env });
      const schedulers = [home.spawn(["scheduler", "--exit-when-idle"], { env }), home.spawn(["scheduler", "--exit-when-idle"], { env })];
      const text = () => (fs.existsSync(markers) ? fs.readFileSync(markers, "utf8") : "");
      await eventually("both tasks to start", async () => text().includes("start during#1") && text().includes("start across#1"));

      const cutAt = Date.now();
      await admin.outage(OUTAGE_MS);
      const restoredAt = Date.now();

      const exits = await Promise.all(schedulers.map((s) => s.done));
      for (const e of exits) assert.equal(e.code, 0, `a scheduler exited ${e.code}: ${e.stderr}`);
      const logs = exits.map((e) => e.stderr).join("\n");
      assert.match(logs, /scheduler pass failed/, "the schedulers saw the outage");
      assert.match(logs, /database reachable again/, "and resumed after it");

      assert.equal((await home.ok(["dags", "state", "outage", "r1"], { env })).trim(), "success");
      const lines = text().trim().split("\n");
      const at = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).map((l) => Number(l.split(" ")[2]));
      const states = new Map((await home.states("outage", "r1")).map((s) => [s.taskId, s]));

      // The success `during` reported while the database was away was kept and applied once, not re-run.
      assert.deepEqual(at("start during#").length, 1, "during ran once");
      assert.ok(at("end during#1")[0]! < restoredAt, "during finished inside the outage");
      assert.deepEqual([states.get("during")!.state, states.get("during")!.tryNumber], ["success", 1]);

      // `across` was stopped when its scheduler's lease ran out, and ran again only after the outage.
      assert.equal(at("end across#1").length, 0, "try 1 of across was stopped, not left running beside try 2");
      assert.ok(at("start across#2")[0]! >= restoredAt, "try 2 started once the database was back");
      assert.deepEqual([states.get("across")!.state, states.get("across")!.tryNumber, states.get("across")!.maxTries], ["success", 2, 1]);
      assert.equal(at("start after#").length, 1, "the downstream task ran once");

      const audit = await home.json<AuditRow[]>(["dags", "audit-log", "outage"]);
      const successes = (task: string) => audit.filter((a) => a.taskId === task && a.toState === "success").length;
      assert.equal(successes("during"), 1, "during's success was applied exactly once");
      assert.equal(successes("across"), 1);
      assert.ok(audit.some((a) => a.taskId === "across" && a.tryNumber === 1 && a.event === "reset"), JSON.stringify(audit));
      assert.ok(!audit.some((a) => a.taskId === "during" && a.event === "report_rejected"), "no report of during was rejected");
      assert.ok(cutAt < restoredAt);
    },
  );
});
