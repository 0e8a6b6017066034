/**
 * A write transaction on SQLite meets another process's commit. Begun deferred, a transaction
 * that had read could not write after the other commit and failed at once with "database is
 * locked" (how `dags trigger` failed while a scheduler ran); it must hold its turn instead, and
 * the other writer wait for it.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { sql } from "kysely";
import { describe, it } from "node:test";
import { sqlitePath } from "../../src/store/connect.js";
import { ROOT } from "../support/home.js";
import { openTestStore } from "../support/store.js";

/** Another process that inserts a pool, waiting for the lock as long as the scheduler's connections do. */
function otherWriter(file: string, pool: string) {
  const script = `const D=require("better-sqlite3");const db=new D(process.argv[1]);db.pragma("busy_timeout = 10000");process.stdout.write("writing\\n");db.prepare("insert into pool (name, slots, description, include_deferred) values (?, 1, '', 0)").run(process.argv[2]);`;
  const child = spawn(process.execPath, ["-e", script, file, pool], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const writing = new Promise<void>((resolve) => child.stdout.on("data", () => resolve()));
  const exited = once(child, "exit").then(([code]) => ({ code: code as number | null, stderr }));
  return { writing, exited };
}

describe("SQLite write transactions", { skip: process.env.SWITCHYARD_TEST_DB === "postgres" && "SQLite only" }, () => {
  it("a transaction that read, then writes after another process tried to commit, succeeds; the other writer waits its turn", async (t) => {
    const { store, config, cleanup } = await openTestStore({ db: "sqlite" });
    t.after(cleanup);
    const file = sqlitePath(config.url.reveal());
    let other: ReturnType<typeof otherWriter> | undefined;
    await store.db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom("pool").select(sql<number>`count(*)`.as("n")).executeTakeFirstOrThrow();
      assert.ok(Number(before.n) >= 1, "the default pool is there");
      other = otherWriter(file, "from_other_process");
      await other.writing;
      // Give the other process every chance to commit in between, as the scheduler does to `dags trigger`.
      await Promise.race([other.exited, new Promise((r) => setTimeout(r, 1_000))]);
      await trx.insertInto("pool").values({ name: "from_this_transaction", slots: 1, description: "", include_deferred: 0 }).execute();
    });
    const { code, stderr } = await other!.exited;
    assert.equal(code, 0, `the other writer failed: ${stderr}`);
    const pools = (await store.db.selectFrom("pool").select("name").execute()).map((p) => p.name).sort();
    assert.deepEqual(pools.filter((p) => p !== "default_pool"), ["from_other_process", "from_this_transaction"]);
  });
});
