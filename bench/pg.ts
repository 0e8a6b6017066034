/**
 * pg: `fanout` (fn on warm runners) and `hop` (bash and fn) against PostgreSQL, with one
 * scheduler and with two `switchyard scheduler` processes on the same schema (active-active).
 * Each bench home gets a schema of its own on PG_BENCH_URL (SWITCHYARD_BENCH_PG_URL), dropped
 * afterwards. Floors: the same plain-Node floors as fanout and hop; the two-scheduler figures are
 * also set against the one-scheduler ones.
 */
import pg from "pg";
import { RUNNERS } from "./fanout.js";
import { HOP_TASKS } from "./hop.js";
import { chainDag, fanoutDag } from "./lib/dags.js";
import { sequentialBash, warmPool, warmRoundTrips } from "./lib/floors.js";
import { describeConfig, PG_BENCH_URL, type HomeConfig } from "./lib/home.js";
import { step } from "./lib/progress.js";
import type { Figure, ScenarioResult } from "./lib/report.js";
import { withSession, type RunResult } from "./lib/session.js";
import { spread } from "./lib/stats.js";
import { chainGaps, throughput } from "./lib/timing.js";

/** Half of fanout's 10,000: two runs of it (1 and 2 schedulers) keep the whole `npm run bench` near 15 minutes. */
export const PG_FANOUT_TASKS = Number(process.env.SWITCHYARD_BENCH_PG_FANOUT_TASKS ?? 5_000);
const PARALLELISM = 32;
const CONFIG: HomeConfig = { db: "postgres", parallelism: PARALLELISM, executors: { LocalExecutor: { parallelism: PARALLELISM, isolation: "warm" } } };

interface Measured {
  readonly fanout: RunResult;
  readonly hopBash: RunResult;
  readonly hopFn: RunResult;
}

async function assertPostgresAnswers(): Promise<void> {
  const client = new pg.Client({ connectionString: PG_BENCH_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query("select 1");
  } catch (error) {
    throw new Error(`the pg scenario needs PostgreSQL at ${PG_BENCH_URL} (set SWITCHYARD_BENCH_PG_URL): ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function measure(schedulers: number): Promise<Measured> {
  const label = `${schedulers} scheduler${schedulers === 1 ? "" : "s"}`;
  step(`pg, ${label}: fanout of ${PG_FANOUT_TASKS} fn tasks`);
  const fanout = await withSession(`pg-fanout-${schedulers}`, CONFIG, { "fanout.ts": fanoutDag("fanout", PG_FANOUT_TASKS, { kind: "fn" }) }, (s) => s.run("fanout", { label: `pg fanout, ${label}` }), schedulers);
  step(`pg, ${label}: hop, ${HOP_TASKS} bash and ${HOP_TASKS} fn tasks in chains`);
  const dags = { "hop_bash.ts": chainDag("hop_bash", HOP_TASKS, { kind: "bash" }), "hop_fn.ts": chainDag("hop_fn", HOP_TASKS, { kind: "fn" }) };
  const hops = await withSession(
    `pg-hop-${schedulers}`,
    CONFIG,
    dags,
    async (s) => ({ hopBash: await s.run("hop_bash", { label: `pg hop bash, ${label}` }), hopFn: await s.run("hop_fn", { label: `pg hop fn, ${label}` }) }),
    schedulers,
  );
  return { fanout, ...hops };
}

export async function pgScenario(): Promise<ScenarioResult> {
  await assertPostgresAnswers();
  step(`pg floors: ${PG_FANOUT_TASKS} messages to ${RUNNERS} warm children, ${HOP_TASKS} x bash -c true back to back, 1000 IPC round trips`);
  const warmFloor = await warmPool(PG_FANOUT_TASKS, RUNNERS, PARALLELISM);
  const bashFloor = spread((await sequentialBash(HOP_TASKS)).hopMs);
  const ipcFloor = spread(await warmRoundTrips(1000));

  const one = await measure(1);
  const two = await measure(2);

  const tps = (r: RunResult) => throughput(r.tis).perSecond;
  const cpu = (r: RunResult) => (r.schedulerCpu / r.tis.length) * 1000;
  const oneTps = tps(one.fanout);
  const hop = (m: Measured) => ({ bash: spread(chainGaps(m.hopBash.tis).hopMs), fn: spread(chainGaps(m.hopFn.tis).hopMs) });
  const h1 = hop(one);
  const h2 = hop(two);
  const figures: Figure[] = [
    { name: "fn fanout tasks/s, 1 scheduler", unit: "tasks/s", value: oneTps, floor: warmFloor.perSecond, target: { on: "value", op: ">=", limit: 800 } },
    { name: "fn fanout tasks/s, 2 schedulers", unit: "tasks/s", value: tps(two.fanout), floor: oneTps, floorLabel: "1 scheduler", target: { on: "ratio", op: ">=", limit: 1 } },
    { name: "fn fanout tasks/s (trigger to run done), 1 scheduler", unit: "tasks/s", value: one.fanout.tis.length / one.fanout.triggerToDoneSeconds, floor: warmFloor.perSecond },
    { name: "fn fanout tasks/s (trigger to run done), 2 schedulers", unit: "tasks/s", value: two.fanout.tis.length / two.fanout.triggerToDoneSeconds, floor: one.fanout.tis.length / one.fanout.triggerToDoneSeconds, floorLabel: "1 scheduler" },
    { name: "fn fanout scheduler CPU per 1,000 tasks, 1 scheduler", unit: "s", value: cpu(one.fanout) },
    { name: "fn fanout scheduler CPU per 1,000 tasks, 2 schedulers (both)", unit: "s", value: cpu(two.fanout), floor: cpu(one.fanout), floorLabel: "1 scheduler" },
    { name: "bash hop p50, 1 scheduler", unit: "ms", value: h1.bash.p50, floor: bashFloor.p50 },
    { name: "bash hop p95, 1 scheduler", unit: "ms", value: h1.bash.p95, floor: bashFloor.p95 },
    { name: "bash hop p50, 2 schedulers", unit: "ms", value: h2.bash.p50, floor: bashFloor.p50 },
    { name: "bash hop p95, 2 schedulers", unit: "ms", value: h2.bash.p95, floor: bashFloor.p95 },
    { name: "fn hop p50 (warm), 1 scheduler", unit: "ms", value: h1.fn.p50, floor: ipcFloor.p50 },
    { name: "fn hop p95 (warm), 1 scheduler", unit: "ms", value: h1.fn.p95, floor: ipcFloor.p95 },
    { name: "fn hop p50 (warm), 2 schedulers", unit: "ms", value: h2.fn.p50, floor: ipcFloor.p50 },
    { name: "fn hop p95 (warm), 2 schedulers", unit: "ms", value: h2.fn.p95, floor: ipcFloor.p95 },
  ];
  return {
    scenario: "pg",
    title: `PostgreSQL: fanout of ${PG_FANOUT_TASKS} fn tasks and hop of ${HOP_TASKS} bash / fn tasks, with 1 and with 2 schedulers`,
    notes: [
      `config: ${describeConfig({ executor: "LocalExecutor", parallelism: PARALLELISM, executors: CONFIG.executors ?? {}, db: "postgres" })}; DAG maxActiveTasks unbounded`,
      "2 schedulers: two `switchyard scheduler` processes on the same schema, each with its LocalExecutor (2 warm runners each); [core] parallelism and the executor's parallelism are counted in the database, so they hold across both",
      "scheduler CPU: both schedulers' CPU added up; a second scheduler mostly adds its own passes, so CPU per task rises while tasks/s should not fall",
      `floors: fanout, ${RUNNERS} warm Node children answering no-op IPC messages (as in fanout); hop, as in hop (bash -c true back to back; an IPC round trip); the 2-scheduler figures also against the 1-scheduler ones`,
      "no process-isolation or bash fan-out here: on PostgreSQL they are bounded by process start-up exactly as on SQLite",
      `fanout: ${PG_FANOUT_TASKS} tasks, fewer than the SQLite fanout's 10,000 so that the whole \`npm run bench\` stays near 15 minutes (SWITCHYARD_BENCH_PG_FANOUT_TASKS changes it)`,
    ],
    figures,
  };
}
