/**
 * statements: how many SQL statements (and transactions) the scheduler runs per task instance,
 * by statement, and its CPU per 1,000 TIs. The built scheduler runs in this process (as `switchyard
 * scheduler --exit-when-idle` does, warm LocalExecutor runners and all) on a store whose Kysely
 * instance counts every statement it executes; a fan-out of fn tasks and a chain of fn tasks each
 * run to the end. Statement counts do not depend on the machine's load; the CPU figure does.
 */
import path from "node:path";
import type { createLogger as CreateLoggerFn } from "../src/common/logger.js";
import type { loadConfig as LoadConfigFn } from "../src/config/load.js";
import type { loadExecutors as LoadExecutorsFn } from "../src/executors/loader.js";
import type { Scheduler as SchedulerClass } from "../src/scheduler/scheduler.js";
import type { openStore as OpenStoreFn } from "../src/store/connect.js";
import { runCli } from "./lib/cli.js";
import { chainDag, fanoutDag } from "./lib/dags.js";
import { benchTarget, createHome, describeConfig, type HomeConfig } from "./lib/home.js";
import { ROOT } from "./lib/paths.js";
import { step } from "./lib/progress.js";
import type { Figure, ScenarioResult } from "./lib/report.js";

export const STATEMENTS_FANOUT_TASKS = Number(process.env.SWITCHYARD_BENCH_STATEMENTS_FANOUT_TASKS ?? 2_000);
export const STATEMENTS_CHAIN_TASKS = Number(process.env.SWITCHYARD_BENCH_STATEMENTS_CHAIN_TASKS ?? 100);
const PARALLELISM = 32;
const CONFIG: HomeConfig = { parallelism: PARALLELISM, executors: { LocalExecutor: { parallelism: PARALLELISM, isolation: "warm" } } };

async function built<T>(rel: string): Promise<T> {
  return (await import(path.join(ROOT, "dist", rel))) as T;
}

/** A statement's shape: its SQL with literals and parameter lists folded, cut short. */
function shapeOf(sql: string): string {
  return sql
    .replace(/\s+/g, " ")
    .replace(/\(\s*(\$\d+|\?)(\s*,\s*(\$\d+|\?))*\s*\)/g, "(…)")
    .replace(/(\(…\)\s*,\s*)+\(…\)/g, "(…)")
    .replace(/cast\((\$\d+|\?) as [a-z ]+\)/g, "?")
    .replace(/\$\d+/g, "?")
    .slice(0, 90);
}

/**
 * Counts the statements that reach the database, at the driver: better-sqlite3's Statement#run/all/get
 * and pg's Client#query, so BEGIN and COMMIT count too, and nothing Kysely does above the driver
 * (compiled or cached queries) hides a statement. Patched on the prototypes for the run, restored after.
 */
class StatementCounter {
  readonly byShape = new Map<string, number>();
  /** Time inside the driver call per shape (ns): the database's own work, as the scheduler waits for it. */
  readonly nsByShape = new Map<string, number>();
  /** The process's CPU inside the driver call per shape (µs): what the database's work costs the scheduler's process. */
  readonly cpuUsByShape = new Map<string, number>();
  total = 0;
  transactions = 0;
  readonly #restore: Array<() => void> = [];

  record(sql: string, ns: number, cpuUs: number): void {
    this.total++;
    if (/^\s*begin\b/i.test(sql)) this.transactions++;
    const shape = shapeOf(sql);
    this.byShape.set(shape, (this.byShape.get(shape) ?? 0) + 1);
    this.nsByShape.set(shape, (this.nsByShape.get(shape) ?? 0) + ns);
    this.cpuUsByShape.set(shape, (this.cpuUsByShape.get(shape) ?? 0) + cpuUs);
  }

  async install(): Promise<void> {
    const { default: BetterSqlite3 } = await import("better-sqlite3");
    const probe = new BetterSqlite3(":memory:");
    const statementProto = Object.getPrototypeOf(probe.prepare("select 1")) as Record<string, unknown>;
    probe.close();
    for (const method of ["run", "all", "get"]) this.#wrap(statementProto, method, (self) => (self as { source: string }).source);
    const { default: pg } = await import("pg");
    this.#wrap(pg.Client.prototype as unknown as Record<string, unknown>, "query", (_self, args) => {
      const q = args[0];
      return typeof q === "string" ? q : ((q as { text?: string } | null)?.text ?? "");
    });
  }

  uninstall(): void {
    for (const restore of this.#restore.splice(0)) restore();
  }

  #wrap(proto: Record<string, unknown>, method: string, sqlOf: (self: unknown, args: unknown[]) => string): void {
    const original = proto[method] as (...args: unknown[]) => unknown;
    const record = (sql: string, ns: number, cpuUs: number) => this.record(sql, ns, cpuUs);
    proto[method] = function (this: unknown, ...args: unknown[]) {
      const cpu0 = process.cpuUsage();
      const started = process.hrtime.bigint();
      const result = original.apply(this, args);
      // pg's query returns a promise: its time is a round trip, not CPU, so only the call is timed.
      const ns = Number(process.hrtime.bigint() - started);
      const cpu = process.cpuUsage(cpu0);
      record(sqlOf(this, args), ns, cpu.user + cpu.system);
      return result;
    };
    this.#restore.push(() => (proto[method] = original));
  }
}

interface Counted {
  readonly tis: number;
  readonly statements: number;
  readonly transactions: number;
  readonly cpuSeconds: number;
  readonly byShape: ReadonlyMap<string, number>;
  readonly nsByShape: ReadonlyMap<string, number>;
  readonly cpuUsByShape: ReadonlyMap<string, number>;
}

async function countRun(label: string, dagSource: string, tis: number): Promise<Counted> {
  step(`statements ${label}: ${tis} fn tasks, the scheduler in-process`);
  const home = await createHome(`statements-${label}`, CONFIG, { "dag.ts": dagSource });
  const { loadConfig } = await built<{ loadConfig: typeof LoadConfigFn }>("config/load.js");
  const { openStore } = await built<{ openStore: typeof OpenStoreFn }>("store/connect.js");
  const { loadExecutors } = await built<{ loadExecutors: typeof LoadExecutorsFn }>("executors/loader.js");
  const { Scheduler } = await built<{ Scheduler: typeof SchedulerClass }>("scheduler/scheduler.js");
  const { createLogger } = await built<{ createLogger: typeof CreateLoggerFn }>("common/logger.js");
  try {
    // Parsed and triggered before the scheduler starts: what is counted is the run, not the parse.
    await runCli(home, ["dags", "trigger", "bench", "--run-id", "r1"]);
    const config = loadConfig({ home: home.dir, env: home.env });
    const store = await openStore(config.database);
    const counter = new StatementCounter();
    try {
      const executors = await loadExecutors(config);
      const logger = createLogger("scheduler", "warn");
      const scheduler = new Scheduler(store, config, executors.all, { exitWhenIdle: true, watchDags: false, logger });
      await counter.install();
      const cpu0 = process.cpuUsage();
      try {
        await scheduler.run();
      } finally {
        counter.uninstall();
      }
      const cpu = process.cpuUsage(cpu0);
      const done = await store.db.selectFrom("task_instance").select((eb) => eb.fn.countAll<number>().as("n")).where("state", "=", "success").executeTakeFirstOrThrow();
      if (Number(done.n) !== tis) throw new Error(`statements ${label}: ${done.n} of ${tis} task instances succeeded`);
      return { tis, statements: counter.total, transactions: counter.transactions, cpuSeconds: (cpu.user + cpu.system) / 1e6, byShape: counter.byShape, nsByShape: counter.nsByShape, cpuUsByShape: counter.cpuUsByShape };
    } finally {
      await store.close();
    }
  } finally {
    home.cleanup();
  }
}

function figures(label: string, c: Counted): Figure[] {
  return [
    { name: `${label}: statements per TI`, unit: "", value: c.statements / c.tis },
    { name: `${label}: transactions per TI`, unit: "", value: c.transactions / c.tis },
    { name: `${label}: scheduler CPU per 1,000 TIs (in-process, with the counting; the fanout scenario has the figure without)`, unit: "s", value: (c.cpuSeconds / c.tis) * 1000 },
  ];
}

function shapeNotes(label: string, c: Counted): string[] {
  const rows = [...c.byShape].sort((a, b) => b[1] - a[1]).slice(0, 30);
  const per = (us: number) => (us / c.tis).toFixed(1).padStart(6);
  const wall = (shape: string) => per((c.nsByShape.get(shape) ?? 0) / 1e3);
  const cpu = (shape: string) => per(c.cpuUsByShape.get(shape) ?? 0);
  const cpuTotal = [...c.cpuUsByShape.values()].reduce((a, b) => a + b, 0);
  return [
    `${label}, statements per TI by shape (top 30), with µs per TI of wall time and of the process's CPU inside the driver call (SQLite: the database's work; PostgreSQL: sending only); in all ${per(cpuTotal)} µs of CPU per TI:`,
    ...rows.map(([shape, n]) => `  ${(n / c.tis).toFixed(3)} ${wall(shape)} µs ${cpu(shape)} µs cpu  ${shape}`),
  ];
}

export async function statements(): Promise<ScenarioResult> {
  const fan = await countRun("fanout", fanoutDag("bench", STATEMENTS_FANOUT_TASKS, { kind: "fn" }), STATEMENTS_FANOUT_TASKS);
  const chain = await countRun("chain", chainDag("bench", STATEMENTS_CHAIN_TASKS, { kind: "fn" }), STATEMENTS_CHAIN_TASKS);
  return {
    scenario: "statements",
    title: `statements the scheduler runs per task instance: a ${STATEMENTS_FANOUT_TASKS}-task fan-out and a ${STATEMENTS_CHAIN_TASKS}-task chain (fn, warm runners)`,
    notes: [
      `config: ${describeConfig({ executor: "LocalExecutor", parallelism: PARALLELISM, executors: CONFIG.executors ?? {}, db: benchTarget().db })}`,
      "statements: every statement the scheduler sent to the database from its start to its exit (--exit-when-idle), BEGIN and COMMIT included; transactions: the BEGINs",
      ...shapeNotes("fanout", fan),
      ...shapeNotes("chain", chain),
    ],
    figures: [...figures("fanout", fan), ...figures("chain", chain)],
  };
}
