import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { CLI, eventually, Home, PG_TEST_URL, pgSync, TEST_DB, type CliResult } from "../support/home.js";
import { spawnSync } from "node:child_process";
import { executorSection, REDIS_URL, startWorker, stopWorker, testPrefix, type StartedWorker } from "../executors/bullmq/support.js";
import { dagFile, RedisServer, workerToml } from "../worker/helpers.js";

// A password planted in [database] url: the test server's trust auth ignores it, so every command
// really runs against PostgreSQL with it, and none may print it anywhere.
const PLANTED = "Pl4nted_s3cret_pw";
const pgUrl = (() => {
  const u = new URL(PG_TEST_URL);
  u.password = PLANTED;
  if (!u.username) u.username = "postgres";
  return u;
})();
const PLANTED_URL = pgUrl.href;
const schema = `sy_secret_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

const DAG = `import { dag } from "@switchyard/core";
const d = dag("leaky", { schedule: null });
const a = d.bash("echo", "echo hello from bash");
const b = d.fn("fn", async (ctx) => { console.log("hello from fn", ctx.runId); return { ok: 1 }; });
a.then(b);
export default d;
`;

function assertClean(what: string, text: string): void {
  assert.ok(!text.includes(PLANTED), `${what} printed the planted password:\n${text}`);
}

/** Every command path `switchyard --help` lists, e.g. "dags trigger" (so a new command without a case here fails this test). */
function listedCommands(): string[] {
  const help = (args: string[]) => spawnSync(process.execPath, [CLI, ...args, "--help"], { encoding: "utf8" }).stdout;
  const names = (text: string) => {
    const block = /\nCommands:\n([\s\S]*?)(\n\n|$)/.exec(text)?.[1] ?? "";
    return [...block.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((n) => n !== "help");
  };
  return names(help([])).flatMap((group) => {
    const sub = names(help([group]));
    return sub.length ? sub.map((s) => `${group} ${s}`) : [group];
  });
}

// Its homes name their database in switchyard.toml (PostgreSQL, PLANTED_URL) and take none from
// SWITCHYARD_TEST_DB, so the PostgreSQL pass of `npm test` would run the same commands against the
// same database a second time (about 60 CLI starts): it runs in the SQLite pass only.
describe("no command prints the database password", { skip: TEST_DB === "postgres" && "the SQLite pass ran it against the same PostgreSQL database" }, () => {
  let home: Home;
  const ran = new Set<string>();
  const results: Array<{ args: string[]; r: CliResult }> = [];

  before(() => {
    home = new Home({
      db: "sqlite",
      toml: `[database]\nurl = "${PLANTED_URL}"\nschema = "${schema}"\n[core]\nexecutor = "LocalExecutor"\n`,
      dags: { "leaky.ts": DAG },
    });
  });
  after(() => {
    home.cleanup();
    pgSync(`drop schema if exists ${schema} cascade`);
  });

  /** Runs a command (recording which command path it covers) and checks its stdout and stderr. */
  async function run(args: string[], opts: { env?: Record<string, string>; expect?: "ok" | "fail" } = {}): Promise<CliResult> {
    const r = await home.run(args, opts.env ? { env: opts.env } : {});
    ran.add(args.filter((a) => !a.startsWith("-")).slice(0, 2).join(" "));
    ran.add(args[0]!);
    results.push({ args, r });
    assertClean(`switchyard ${args.join(" ")} (stdout)`, r.stdout);
    assertClean(`switchyard ${args.join(" ")} (stderr)`, r.stderr);
    if (opts.expect === "ok") assert.equal(r.code, 0, `switchyard ${args.join(" ")}: ${r.stderr}`);
    if (opts.expect === "fail") assert.notEqual(r.code, 0, `switchyard ${args.join(" ")} should fail: ${r.stdout}`);
    return r;
  }

  it("every command, success and error paths, and every file it writes", async () => {
    await run(["--help"], { expect: "ok" });
    await run(["--version"], { expect: "ok" });
    await run(["db", "check"], { expect: "fail" }); // no schema yet
    await run(["db", "init"], { expect: "ok" });
    await run(["db", "migrate"], { expect: "ok" });
    await run(["db", "check"], { expect: "ok" });
    await run(["config", "list"], { expect: "ok" });
    await run(["config", "list", "-o", "json"], { expect: "ok" });
    await run(["config", "list", "-o", "plain"], { expect: "ok" });
    await run(["config", "get-value", "database", "url"], { expect: "ok" });
    await run(["executors", "list"], { expect: "ok" });
    await run(["executors", "list", "-o", "json"], { expect: "ok" });
    await run(["executors", "check"], { expect: "ok" });
    await run(["pools", "set", "p1", "3", "a pool"], { expect: "ok" });
    await run(["pools", "list", "-o", "json"], { expect: "ok" });
    await run(["pools", "get", "p1", "-o", "json"], { expect: "ok" });
    await run(["pools", "get", "nope"], { expect: "fail" });
    await run(["pools", "delete", "p1"], { expect: "ok" });
    await run(["pools", "delete", "nope"], { expect: "fail" });
    await run(["dags", "list"], { expect: "ok" });
    await run(["dags", "list-import-errors"], { expect: "ok" });
    await run(["dags", "pause", "leaky"], { expect: "ok" });
    await run(["dags", "unpause", "leaky"], { expect: "ok" });
    await run(["dags", "trigger", "leaky", "--run-id", "r1"], { expect: "ok" });
    await run(["dags", "trigger", "nope"], { expect: "fail" });
    await run(["scheduler", "--exit-when-idle"], { expect: "ok" });
    await run(["dags", "list-runs", "leaky", "-o", "json"], { expect: "ok" });
    await run(["dags", "state", "leaky", "r1"], { expect: "ok" });
    await run(["dags", "state", "leaky", "nope"], { expect: "fail" });
    await run(["dags", "explain-routing", "leaky"], { expect: "ok" });
    await run(["dags", "audit-log", "leaky", "-o", "json"], { expect: "ok" });
    await run(["tasks", "states-for-dag-run", "leaky", "r1", "-o", "json"], { expect: "ok" });
    await run(["tasks", "logs", "leaky", "fn", "r1"], { expect: "ok" });
    await run(["tasks", "run", "leaky", "echo", "r1", "--force"], { expect: "ok" });
    await run(["tasks", "logs", "leaky", "nope", "r1"], { expect: "fail" });
    await run(["dags", "test", "leaky", "--run-id", "t1"], { expect: "ok" });
    await run(["dags", "show", "leaky"], { expect: "ok" });
    await run(["dags", "show", "leaky", "--format", "dot"], { expect: "ok" });
    await run(["dags", "next-execution", "leaky"], { expect: "ok" });
    await run(["dags", "backfill", "leaky", "--start-date", "2026-01-01", "--end-date", "2026-01-02"], { expect: "fail" }); // no schedule
    await run(["tasks", "list", "leaky", "--tree"], { expect: "ok" });
    await run(["tasks", "test", "leaky", "echo"], { expect: "ok" });
    await run(["tasks", "clear", "leaky", "--run-id", "r1", "--yes"], { expect: "ok" });
    await run(["version"], { expect: "ok" });
    await run(["info"], { expect: "ok" });
    await run(["info", "-o", "json"], { expect: "ok" });
    await run(["dag-processor", "--num-runs", "1"], { expect: "ok" });
    await run(["worker", "-q", "default"], { expect: "fail" }); // no BullMQExecutor configured (a Redis that requires a planted password: below)
    await run(["fleet", "workers"], { expect: "fail" }); // no BullMQExecutor configured
    // A BullMQExecutor whose redis_url carries the planted password (the test Redis, which wants none, ignores it).
    const fleet = (port: string) => {
      const url = new URL(REDIS_URL);
      url.password = PLANTED;
      if (port !== "") url.port = port;
      return { SWITCHYARD__CORE__EXECUTOR: "LocalExecutor,BullMQExecutor", SWITCHYARD__EXECUTORS__BULLMQEXECUTOR__REDIS_URL: url.href, SWITCHYARD__EXECUTORS__BULLMQEXECUTOR__PREFIX: `sy-secret:${process.pid}` };
    };
    await run(["fleet", "workers", "-o", "json"], { env: fleet(""), expect: "ok" });
    await run(["fleet", "queues"], { env: fleet(""), expect: "ok" });
    await run(["fleet", "workers", "--executor", "nope"], { env: fleet(""), expect: "fail" });
    await run(["fleet", "queues"], { env: fleet("1"), expect: "fail" }); // Redis refuses: the error names the URL
    await run(["config", "list"], { env: fleet(""), expect: "ok" });
    await run(["kubernetes", "generate-pod", "leaky", "echo"], { expect: "fail" }); // no KubernetesExecutor configured
    // A KubernetesExecutor: the pod a task would get carries no database credentials.
    const k8s = { SWITCHYARD__CORE__EXECUTOR: "LocalExecutor,KubernetesExecutor", SWITCHYARD__EXECUTORS__KUBERNETESEXECUTOR__IMAGE: "example/etl:1" };
    await run(["kubernetes", "generate-pod", "leaky", "echo", "-o", "json"], { env: k8s, expect: "ok" });
    await run(["kubernetes", "cleanup-pods"], { env: { ...k8s, SWITCHYARD__EXECUTORS__KUBERNETESEXECUTOR__KUBECONFIG: home.file("no-such-kubeconfig") }, expect: "fail" });
    await run(["standalone", "--exit-when-idle"], { expect: "ok" });
    await run(["dags", "delete", "leaky", "--yes"], { expect: "ok" });
    await run(["db", "reset", "--yes"], { expect: "ok" });

    // Error paths that print the URL or parts of it: bad values, a server that refuses, a missing database.
    const withUrl = (url: string) => ({ env: { SWITCHYARD__DATABASE__URL: url } });
    const variants = [
      `postgresql://postgres:${PLANTED}@127.0.0.1:notaport/test`,
      `postgresql://postgres:${PLANTED}@127.0.0.1:5432`,
      `postgresql://postgres:${PLANTED}@127.0.0.1:1/test`,
      `postgresql://postgres:${PLANTED}@127.0.0.1:5432/no_such_db_sy`,
      `postgresql://no_such_role_sy:${PLANTED}@127.0.0.1:5432/test`,
      `postgresql://postgres:${PLANTED}@x@127.0.0.1:5432/test`,
      `mysql://root:${PLANTED}@127.0.0.1/test`,
      `postgresql://127.0.0.1:5432/test?password=${PLANTED}`,
    ];
    for (const url of variants) {
      await run(["db", "check"], withUrl(url));
      await run(["config", "list", "-o", "json"], withUrl(url));
    }
    // Alongside another bad value, so the config error lists several problems.
    await run(["config", "list"], { env: { SWITCHYARD__DATABASE__URL: `postgresql://u:${PLANTED}@h:99999/x`, SWITCHYARD__CORE__PARALLELISM: "0" }, expect: "fail" });

    // Every file the commands wrote: task logs, anything else under the home (the config file itself aside).
    const files = fs.readdirSync(home.dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    const written = files.map((e) => path.join(e.parentPath, e.name)).filter((f) => f !== home.file("switchyard.toml"));
    assert.ok(written.some((f) => f.endsWith(".log")), `the run wrote task logs under ${home.dir}`);
    for (const f of written) assertClean(f, fs.readFileSync(f, "latin1"));

    const missing = listedCommands().filter((c) => !ran.has(c));
    assert.deepEqual(missing, [], `commands listed by --help that this test does not run: ${missing.join(", ")}`);
  });
});

// A password planted in a BullMQExecutor's redis_url, on a redis-server of the test's own that
// requires it: the fleet really runs with it (scheduler, worker, logs), and nothing prints it.
describe("no command prints the Redis password", () => {
  const REDIS_PASSWORD = "Pl4nted_r3dis_pw";
  let redis: RedisServer;
  let home: Home;
  let worker: StartedWorker | null = null;
  const prefix = testPrefix();

  function assertNoRedisPassword(what: string, text: string): void {
    assert.ok(!text.includes(REDIS_PASSWORD), `${what} printed the planted Redis password:\n${text}`);
  }

  before(async () => {
    redis = await RedisServer.start();
  });
  after(async () => {
    if (worker !== null) await stopWorker(worker);
    home?.cleanup();
    await redis.cleanup();
  });

  it("config, executors, scheduler, worker, tasks logs and their errors", async () => {
    const url = `redis://:${REDIS_PASSWORD}@127.0.0.1:${redis.port}`;
    await redis.stop();
    await redis.start(["--requirepass", REDIS_PASSWORD]);
    const section = (redisUrl: string) => executorSection("BullMQExecutor", prefix, { redis_url: redisUrl });
    const dag = dagFile("leaky_fleet", `d.bash("remote", "echo hello from the fleet", { executor: "BullMQExecutor" });`);
    home = new Home({ toml: `[core]\nexecutor = "LocalExecutor,BullMQExecutor"\n${section(url)}`, dags: { "leaky.ts": dag } });
    const check = async (args: string[], opts: { env?: Record<string, string>; expect?: "ok" | "fail" } = {}) => {
      const r = await home.run(args, opts.env ? { env: opts.env } : {});
      assertNoRedisPassword(`switchyard ${args.join(" ")} (stdout)`, r.stdout);
      assertNoRedisPassword(`switchyard ${args.join(" ")} (stderr)`, r.stderr);
      if (opts.expect === "ok") assert.equal(r.code, 0, `switchyard ${args.join(" ")}: ${r.stderr}`);
      if (opts.expect === "fail") assert.notEqual(r.code, 0, `switchyard ${args.join(" ")} should fail: ${r.stdout}`);
      return r;
    };

    for (const format of ["table", "json", "plain"]) {
      const r = await check(["config", "list", "-o", format], { expect: "ok" });
      assert.match(r.stdout, /redis:\/\/:\*\*\*@127\.0\.0\.1/, "config list shows the URL, masked");
    }
    await check(["executors", "list", "-o", "json"], { expect: "ok" });
    await check(["executors", "check"], { expect: "ok" });
    await check(["info"], { expect: "ok" });

    // The fleet at work: a worker whose own config holds the password, a scheduler, the try's log from Redis.
    worker = await startWorker({ toml: workerToml(prefix, { redisUrl: url }), prefix, name: "leaky-worker", dags: { "leaky.ts": dag }, redisUrl: url });
    await check(["db", "init"], { expect: "ok" });
    await check(["dags", "trigger", "leaky_fleet", "--run-id", "r1"], { expect: "ok" });
    await check(["scheduler", "--exit-when-idle"], { expect: "ok" });
    assert.equal((await check(["dags", "state", "leaky_fleet", "r1"], { expect: "ok" })).stdout.trim(), "success");
    const logs = await check(["tasks", "logs", "leaky_fleet", "remote", "r1"], { expect: "ok" });
    assert.match(logs.stdout, /hello from the fleet/);
    assert.match(logs.stderr, /redis:\/\/:\*\*\*@127\.0\.0\.1/);
    await check(["fleet", "workers", "-o", "json"], { expect: "ok" });
    await check(["fleet", "queues"], { expect: "ok" });
    await check(["worker", "--name", "leaky-worker"], { expect: "fail" }); // a live worker has that name
    worker.child.kill("SIGTERM");
    assert.equal((await worker.done).code, 0);
    assertNoRedisPassword("the worker's output", worker.output());
    for (const h of [home, worker.home]) {
      const files = fs.readdirSync(h.dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      for (const f of files.map((e) => path.join(e.parentPath, e.name)).filter((f) => f !== h.file("switchyard.toml"))) {
        assertNoRedisPassword(f, fs.readFileSync(f, "latin1"));
      }
    }

    // Bad values around the password: every command that reads the section refuses them without quoting it.
    const variants = [
      `http://:${REDIS_PASSWORD}@127.0.0.1:${redis.port}`,
      `redis://:${REDIS_PASSWORD}@127.0.0.1:${redis.port}/cache`,
      `redis://:${REDIS_PASSWORD}@127.0.0.1:notaport`,
      `redis//:${REDIS_PASSWORD}@127.0.0.1:${redis.port}`,
      `redis://:${REDIS_PASSWORD}@:${redis.port}`,
    ];
    for (const bad of variants) {
      const env = { SWITCHYARD__EXECUTORS__BULLMQEXECUTOR__REDIS_URL: bad };
      await check(["worker"], { env, expect: "fail" });
      await check(["executors", "list"], { env, expect: "fail" });
      await check(["fleet", "workers"], { env, expect: "fail" });
      await check(["config", "list"], { env });
    }
  });

  it("a worker with a wrong password or no Redis to reach says so without the password", async () => {
    for (const url of [`redis://:wrong-${REDIS_PASSWORD}@127.0.0.1:${redis.port}`, `redis://:${REDIS_PASSWORD}@127.0.0.1:1`]) {
      const h = new Home({ toml: `[core]\nexecutor = "BullMQExecutor"\n${executorSection("BullMQExecutor", prefix, { redis_url: url })}` });
      try {
        const w = h.spawn(["worker", "--name", "locked-out"]);
        let output = "";
        w.child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
        w.child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
        await eventually(`the worker to say it waits for Redis (${url.replace(REDIS_PASSWORD, "***")})`, async () => output.includes("waiting for Redis") || w.child.exitCode !== null);
        assert.equal(w.child.exitCode, null, output);
        w.child.kill("SIGTERM");
        await w.done;
        assert.match(output, /waiting for Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ \((WRONGPASS|.*ECONNREFUSED)/);
        assertNoRedisPassword("a worker that cannot reach Redis", output);
      } finally {
        h.cleanup();
      }
    }
  });
});
