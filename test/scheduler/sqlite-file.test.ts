import assert from "node:assert/strict";
import fs from "node:fs";
import { after, describe, it } from "node:test";
import { Home } from "../support/home.js";

// A scheduler whose SQLite file is deleted or replaced would go on writing history into a file no one
// can open any more (the old inode): it must notice and stop, saying why.
describe("SQLite file deleted or replaced under a running scheduler", { skip: process.env.SWITCHYARD_TEST_DB === "postgres" && "SQLite only" }, () => {
  const homes: Home[] = [];
  after(() => homes.forEach((h) => h.cleanup()));

  for (const [what, change] of [
    ["deleted", (file: string) => fs.rmSync(file)],
    ["replaced", (file: string) => {
      fs.copyFileSync(file, `${file}.copy`);
      fs.renameSync(`${file}.copy`, file);
    }],
  ] as const) {
    it(`${what}: the scheduler stops with an error naming the file`, { timeout: 30_000 }, async () => {
      const home = new Home({ db: "sqlite", toml: `[scheduler]\njob_heartbeat_sec = 0.2\n` });
      homes.push(home);
      await home.ok(["db", "init"]);
      const { child, done } = home.spawn(["scheduler"]);
      let stderr = "";
      await new Promise<void>((started) => {
        child.stderr!.on("data", (d: Buffer) => {
          stderr += d.toString();
          if (/scheduler job \d+ started/.test(stderr)) started();
        });
      });
      change(home.file("switchyard.db"));
      const r = await done;
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`error: the SQLite database file ${home.file("switchyard.db").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} was deleted or replaced while this process had it open`));
    });
  }
});
