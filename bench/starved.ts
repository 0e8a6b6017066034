/**
 * starved: one scheduling pass (the critical section) while 1,000 runs sit at their maxActiveTasks
 * with scheduled TIs of higher priority waiting behind them, and a few runnable TIs of another
 * DAG. Issue 8: the claim query's windows filled with TIs that could not run, so the runnable
 * ones were never found. Prints the pass time and how many runnable TIs each pass queued.
 *
 * The blocked runs' running TIs are rows, not processes (1,000 real tries would measure the
 * machine, not the pass): the state is written straight into a real database, and the built
 * critical section is called in-process against it, as the scheduler calls it.
 */
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { enqueueTaskInstances as EnqueueFn } from "../src/scheduler/critical-section.js";
import type { DagCache as DagCacheClass } from "../src/scheduler/dag-cache.js";
import type { loadConfig as LoadConfigFn } from "../src/config/load.js";
import type { loadExecutors as LoadExecutorsFn } from "../src/executors/loader.js";
import type { openStore as OpenStoreFn } from "../src/store/connect.js";
import type { createJob as CreateJobFn } from "../src/store/queries/jobs.js";
import { runCli } from "./lib/cli.js";
import { createHome, describeConfig, type HomeConfig } from "./lib/home.js";
import { ROOT } from "./lib/paths.js";
import { Progress, step } from "./lib/progress.js";
import type { ScenarioResult } from "./lib/report.js";
import { spread } from "./lib/stats.js";

export const STARVED_RUNS = Number(process.env.SWITCHYARD_BENCH_STARVED_RUNS ?? 1_000);
/** Scheduled TIs waiting in each blocked run, beside its one running TI. */
const WAITING_PER_RUN = 9;
const RUNNABLE = 3;
const PASSES = Number(process.env.SWITCHYARD_BENCH_STARVED_PASSES ?? 30);

/** Room for every blocked run's running TI and then some: only maxActiveTasks blocks them. */
const PARALLELISM = STARVED_RUNS + 1_000;
const CONFIG: HomeConfig = { parallelism: PARALLELISM, executors: { LocalExecutor: { parallelism: PARALLELISM } } };

const DAGS = {
  "starved.ts": `import { dag } from "@switchyard/core";
export const hog = dag("hog", { maxActiveTasks: 1, maxActiveRuns: ${STARVED_RUNS} });
for (let i = 0; i <= ${WAITING_PER_RUN}; i++) hog.bash("t" + i, "sleep 90", { priorityWeight: 10, weightRule: "absolute" });
export const victim = dag("victim");
for (let i = 0; i < ${RUNNABLE}; i++) victim.bash("v" + i, "true");
`,
};

/** The built modules, as the scheduler runs them. */
async function built<T>(rel: string): Promise<T> {
  return (await import(path.join(ROOT, "dist", rel))) as T;
}

export async function starved(): Promise<ScenarioResult> {
  step(`starved: ${STARVED_RUNS} runs at maxActiveTasks 1 (each with ${WAITING_PER_RUN} scheduled TIs of higher priority) and ${RUNNABLE} runnable TIs; ${PASSES} critical-section passes`);
  const home = await createHome("starved", CONFIG, DAGS);
  const { loadConfig } = await built<{ loadConfig: typeof LoadConfigFn }>("config/load.js");
  const { openStore } = await built<{ openStore: typeof OpenStoreFn }>("store/connect.js");
  const { loadExecutors } = await built<{ loadExecutors: typeof LoadExecutorsFn }>("executors/loader.js");
  const { createJob } = await built<{ createJob: typeof CreateJobFn }>("store/queries/jobs.js");
  const { DagCache } = await built<{ DagCache: typeof DagCacheClass }>("scheduler/dag-cache.js");
  const { enqueueTaskInstances } = await built<{ enqueueTaskInstances: typeof EnqueueFn }>("scheduler/critical-section.js");
  try {
    // Parses the DAG file and makes one run of each: hog's is the template the other runs copy.
    await runCli(home, ["pools", "set", "default_pool", String(PARALLELISM)]);
    await runCli(home, ["dags", "trigger", "hog", "--run-id", "h0"]);
    await runCli(home, ["dags", "trigger", "victim", "--run-id", "v", "--no-parse"]);
    const config = loadConfig({ home: home.dir, env: home.env });
    const store = await openStore(config.database);
    const db = store.db;
    try {
      const progress = new Progress("starved");
      const template = await db.selectFrom("dag_run").selectAll().where("run_id", "=", "h0").executeTakeFirstOrThrow();
      await db.transaction().execute(async (trx) => {
        for (let i = 1; i < STARVED_RUNS; i++) {
          const { id } = await trx
            .insertInto("dag_run")
            .values({ dag_id: "hog", run_id: `h${i}`, state: "queued", run_type: "manual", logical_date: Number(template.logical_date) + i, queued_at: Date.now(), conf: "{}" })
            .returning("id")
            .executeTakeFirstOrThrow();
          const tis = await trx.selectFrom("task_instance").selectAll().where("dag_run_id", "=", template.id).execute();
          await trx.insertInto("task_instance").values(tis.map((t) => ({ ...t, run_id: `h${i}`, dag_run_id: Number(id) }))).execute();
          if (i % 100 === 0) progress.update(`${i} runs written`);
        }
        // The victim's run is the newest: it sorts after every blocked run.
        await trx.updateTable("dag_run").set({ state: "running", logical_date: Number(template.logical_date) + STARVED_RUNS }).where("run_id", "=", "v").execute();
        await trx.updateTable("dag_run").set({ state: "running" }).where("dag_id", "=", "hog").execute();
        await trx.updateTable("task_instance").set({ state: "scheduled" }).execute();
        await trx.updateTable("task_instance").set({ state: "running", try_number: 1 }).where("dag_id", "=", "hog").where("task_id", "=", "t0").execute();
      });
      progress.done(`${STARVED_RUNS} blocked runs written`);

      const executors = await loadExecutors(config);
      const jobId = await createJob(db, { jobType: "scheduler", hostname: os.hostname(), pid: process.pid, now: Date.now() });
      const dags = new DagCache(db);
      const pass = () =>
        enqueueTaskInstances({
          db,
          kind: store.kind,
          dags,
          executors: new Map(executors.all.map((e) => [e.name.name, e])),
          jobId,
          parallelism: config.core.parallelism,
          maxTisPerQuery: config.scheduler.maxTisPerQuery,
          defaultMaxActiveTasks: config.core.maxActiveTasksPerDag,
          baseLogFolder: path.join(home.dir, "logs"),
          dagsFolder: config.core.dagsFolder,
          maxTaskLogMb: config.logging.maxTaskLogMb,
          now: Date.now(),
          source: "bench",
          fenced: () => false,
        });
      const times: number[] = [];
      const found: number[] = [];
      // Pass 0 warms the DAG cache and the prepared statements, as a running scheduler has them.
      for (let p = 0; p <= PASSES; p++) {
        const t0 = performance.now();
        const queued = await pass();
        const ms = performance.now() - t0;
        if (p > 0) {
          times.push(ms);
          found.push(queued);
        }
        // Back to scheduled for the next pass (the executor, never started, keeps the same keys queued once).
        await db.updateTable("task_instance").set({ state: "scheduled", queued_at: null, try_token: null }).where("dag_id", "=", "victim").execute();
        progress.update(`pass ${p} of ${PASSES}: ${ms.toFixed(1)} ms, ${queued} queued`);
      }
      progress.done();
      const s = spread(times);
      const foundAll = found.filter((n) => n === RUNNABLE).length;
      return {
        scenario: "starved",
        title: `a scheduling pass with ${STARVED_RUNS} runs blocked at maxActiveTasks and ${RUNNABLE} runnable TIs`,
        notes: [
          `config: ${describeConfig({ executor: "LocalExecutor", parallelism: PARALLELISM, executors: CONFIG.executors ?? {}, db: home.config.db })}; default_pool ${PARALLELISM} slots`,
          `hog: maxActiveTasks 1, ${STARVED_RUNS} running runs, each with 1 running TI and ${WAITING_PER_RUN} scheduled TIs of priority 10; victim: 1 run, ${RUNNABLE} scheduled TIs of priority 1, newest logical date (sorted after every hog TI)`,
          `each pass: enqueueTaskInstances (the built critical section, in-process) on the real database, then the victim's TIs set back to scheduled; ${PASSES} passes after one warm-up pass`,
          "the machine is shared with other work: figures are noisy",
        ],
        figures: [
          { name: "pass time p50", unit: "ms", value: s.p50 },
          { name: "pass time p95", unit: "ms", value: s.p95 },
          { name: "passes that queued every runnable TI", unit: `of ${PASSES}`, value: foundAll, target: { on: "value", op: ">=", limit: PASSES } },
        ],
      };
    } finally {
      await store.close();
    }
  } finally {
    home.cleanup();
  }
}
