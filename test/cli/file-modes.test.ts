import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { Home } from "../support/home.js";

const mode = (file: string) => (fs.statSync(file).mode & 0o777).toString(8);

// Logs can hold whatever tasks print and the database holds every conf: other users of the host must not read them.
describe("files Switchyard creates are private to its user", () => {
  const home = new Home({
    toml: `[database]\nurl = "sqlite:///./state/switchyard.db"\n[logging]\nbase_log_folder = "private/logs"\n`,
    dags: { "d.ts": `import { dag } from "@switchyard/core";\nconst d = dag("d", { schedule: null });\nd.bash("b", "echo hi");\nd.fn("f", async () => console.log("hi"));\nexport default d;\n` },
  });
  after(() => home.cleanup());

  it("task logs are 0600 in 0700 folders; the SQLite database is 0600 in a 0700 folder it creates", async () => {
    await home.ok(["db", "init"]);
    await home.ok(["dags", "trigger", "d", "--run-id", "r1"]);
    await home.runSchedulersUntilIdle();
    const logs = fs.readdirSync(home.file("private"), { recursive: true, withFileTypes: true });
    const files = logs.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
    const dirs = [home.file("private"), ...logs.filter((e) => e.isDirectory()).map((e) => path.join(e.parentPath, e.name))];
    assert.equal(files.length, 2, `one log per try: ${files.join(", ")}`);
    for (const f of files) assert.equal(mode(f), "600", f);
    for (const d of dirs) assert.equal(mode(d), "700", d);
    if (home.db === "sqlite") {
      assert.equal(mode(home.file("state")), "700");
      for (const f of fs.readdirSync(home.file("state"))) assert.equal(mode(home.file(`state/${f}`)), "600", f);
    }
  });
});
