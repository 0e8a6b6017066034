import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { eventually, Home } from "../support/home.js";

/** SQLite allows one writer: a second scheduler on the same file is refused, not left to fight over locks. */
describe("one scheduler per SQLite database", () => {
  let home: Home;
  afterEach(() => home?.cleanup());

  it("refuses a second scheduler with a message naming PostgreSQL, and lets a restart after a crash through", async () => {
    home = new Home({ db: "sqlite", toml: `[core]\nexecutor = "LocalExecutor"\n` });
    await home.ok(["db", "init"]);
    const first = home.spawn(["scheduler"]);
    let firstErr = "";
    first.child.stderr!.on("data", (d: Buffer) => (firstErr += d.toString()));
    await eventually("the first scheduler to start", async () => /scheduler job \d+ started/.test(firstErr));

    const second = await home.run(["scheduler", "--exit-when-idle"]);
    assert.notEqual(second.code, 0);
    assert.match(second.stderr, /another scheduler .*is running on this SQLite database/);
    assert.match(second.stderr, /PostgreSQL/);
    assert.equal(second.stderr.trim().split("\n").length, 1, `one line:\n${second.stderr}`);

    // A scheduler killed outright leaves its job row 'running' with a fresh heartbeat: its dead pid lets the restart through.
    first.child.kill("SIGKILL");
    await first.done;
    const restart = await home.run(["scheduler", "--exit-when-idle"]);
    assert.equal(restart.code, 0, restart.stderr);
  });
});
