/**
 * peers: Switchyard beside the job queues users compare it with (issue 12), in one run on one
 * machine: a plain Node floor, BullMQ (Redis) and graphile-worker (PostgreSQL), each with its
 * documented defaults and with its batching options, and Switchyard on SQLite and on PostgreSQL.
 * Every row runs the same two workloads of `bash -c true` tasks: a hop (tasks one after another,
 * each started once the previous one's completion is seen; for Switchyard a chain DAG) and a
 * fan-out (independent tasks, 32 at a time). Each figure is the median of its per-round values.
 * Then Switchyard's own targets of the issue: fn fan-out, per-try overhead, first task after start.
 */
import fs from "node:fs";
import path from "node:path";
import { bashPool, sequentialBash } from "./lib/floors.js";
import { chainDag, fanoutDag } from "./lib/dags.js";
import { benchRunnerOptions, describeConfig, PG_BENCH_URL, type HomeConfig } from "./lib/home.js";
import { ROOT } from "./lib/paths.js";
import { graphileFanout, graphileHop, withGraphileSchema, type GraphileMode } from "./lib/peers-graphile.js";
import { firstTaskAfterStart, probeDag, type StartupRound } from "./lib/peers-startup.js";
import { Progress, step } from "./lib/progress.js";
import { BENCH_REDIS_URL, rawBullmqFanout, rawBullmqHop } from "./lib/raw-bullmq.js";
import type { Figure, ScenarioResult, Target } from "./lib/report.js";
import { withSession } from "./lib/session.js";
import { durations, gaps, spansOfTis, wallSeconds, type Span } from "./lib/spans.js";
import { fmt, median } from "./lib/stats.js";
import { throughput } from "./lib/timing.js";

/** A whole number >= 1 from the environment, or the default; anything else is refused by name. */
function sizeFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} takes a whole number >= 1, not ${JSON.stringify(raw)}`);
  return n;
}

const HOP_TASKS = sizeFromEnv("SWITCHYARD_BENCH_PEERS_HOP_TASKS", 100);
const FANOUT_TASKS = sizeFromEnv("SWITCHYARD_BENCH_PEERS_FANOUT_TASKS", 2_000);
const ROUNDS = sizeFromEnv("SWITCHYARD_BENCH_PEERS_ROUNDS", 3);
const FN_TASKS = sizeFromEnv("SWITCHYARD_BENCH_PEERS_FN_TASKS", 10_000);
const CONCURRENCY = 32;

const ALL_ROWS = ["bullmq", "graphile", "sqlite", "postgres"] as const;
type RowGroup = (typeof ALL_ROWS)[number];

/** SWITCHYARD_BENCH_PEERS_ROWS: a comma list of bullmq, graphile, sqlite, postgres (the floor always runs). */
function selectedRows(): Set<RowGroup> {
  const raw = process.env.SWITCHYARD_BENCH_PEERS_ROWS;
  if (raw === undefined || raw === "") return new Set(ALL_ROWS);
  const out = new Set<RowGroup>();
  for (const part of raw.split(",").map((s) => s.trim())) {
    if (!(ALL_ROWS as readonly string[]).includes(part)) throw new Error(`SWITCHYARD_BENCH_PEERS_ROWS: unknown row ${JSON.stringify(part)}; valid: ${ALL_ROWS.join(", ")}`);
    out.add(part as RowGroup);
  }
  return out;
}

function version(pkg: string): string {
  const file = path.join(ROOT, "node_modules", pkg, "package.json");
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
}

/** One round of a row: the hop's tries in order, and the fan-out's. */
interface Round {
  readonly hop: Span[];
  readonly fanout: Span[];
}

/** A row's figures (medians over its rounds). */
interface RowFigures {
  readonly wallPerHopMs: number;
  readonly gapP50: number;
  readonly tryHopP50: number;
  readonly tryFanoutP50: number;
  readonly fanoutPerSecond: number;
}

interface Row {
  readonly label: string;
  readonly figures: RowFigures;
}

function roundFigures(r: Round): RowFigures {
  return {
    wallPerHopMs: (wallSeconds(r.hop) * 1000) / r.hop.length,
    gapP50: median(gaps(r.hop)),
    tryHopP50: median(durations(r.hop)),
    tryFanoutP50: median(durations(r.fanout)),
    fanoutPerSecond: r.fanout.length / wallSeconds(r.fanout),
  };
}

function medianFigures(rounds: readonly Round[]): RowFigures {
  const each = rounds.map(roundFigures);
  const m = (key: keyof RowFigures) => median(each.map((f) => f[key]));
  return { wallPerHopMs: m("wallPerHopMs"), gapP50: m("gapP50"), tryHopP50: m("tryHopP50"), tryFanoutP50: m("tryFanoutP50"), fanoutPerSecond: m("fanoutPerSecond") };
}

/** Runs `round` ROUNDS times under one progress line. */
async function rounds(label: string, round: (r: number) => Promise<Round>): Promise<Round[]> {
  step(`peers, ${label}: ${ROUNDS} rounds of a ${HOP_TASKS}-task hop and a ${FANOUT_TASKS}-task fan-out at concurrency ${CONCURRENCY}`);
  const progress = new Progress(`peers ${label}`);
  const out: Round[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    progress.update(`round ${r}/${ROUNDS}`);
    out.push(await round(r));
  }
  progress.done();
  return out;
}

function floorRounds(): Promise<Round[]> {
  return rounds("floor", async () => ({ hop: (await sequentialBash(HOP_TASKS)).spans, fanout: (await bashPool(FANOUT_TASKS, CONCURRENCY)).spans }));
}

function bullmqRounds(mode: "defaults" | "batched"): Promise<Round[]> {
  return rounds(`BullMQ ${mode}`, async () => ({
    hop: await rawBullmqHop(HOP_TASKS, { job: "bash", removeOnComplete: mode === "batched" }),
    fanout: (await rawBullmqFanout(FANOUT_TASKS, 1, CONCURRENCY, { job: "bash", add: mode === "batched" ? "bulk" : "each" })).spans,
  }));
}

function graphileRounds(mode: GraphileMode): Promise<Round[]> {
  return withGraphileSchema(mode, (schema) =>
    rounds(`graphile-worker ${mode}`, async () => ({
      hop: await graphileHop(schema, HOP_TASKS, mode),
      fanout: (await graphileFanout(schema, FANOUT_TASKS, CONCURRENCY, mode)).spans,
    })),
  );
}

export function switchyardConfig(db: "sqlite" | "postgres"): HomeConfig {
  return { db, parallelism: CONCURRENCY, executors: { LocalExecutor: { parallelism: CONCURRENCY, isolation: "warm", ...benchRunnerOptions() } } };
}

/** The hop and fan-out DAGs (also the folder of the start-up probe, here and in `npm run bench -- startup`). */
export const PEER_DAGS = {
  "peers_hop.ts": chainDag("peers_hop", HOP_TASKS, { kind: "bash" }),
  "peers_fanout.ts": fanoutDag("peers_fanout", FANOUT_TASKS, { kind: "bash" }),
};

interface FnFanout {
  readonly perSecond: number;
  readonly schedulerCpuPerThousand: number;
  readonly runnerCpuPerThousand: number;
}

/** Switchyard on one database: the hop as a chain DAG, the fan-out as a DAG of independent tasks; with `fn`, also an fn fan-out. */
async function switchyardRounds(db: "sqlite" | "postgres", fn: boolean): Promise<{ rounds: Round[]; fn: FnFanout | null }> {
  const dags: Record<string, string> = { ...PEER_DAGS, ...(fn ? { "peers_fn.ts": fanoutDag("peers_fn", FN_TASKS, { kind: "fn" }) } : {}) };
  const label = `Switchyard ${db === "sqlite" ? "SQLite" : "PostgreSQL"}`;
  return withSession(`peers-${db}`, switchyardConfig(db), dags, async (s) => {
    const measured = await rounds(label, async (r) => ({
      hop: spansOfTis((await s.run("peers_hop", { label: `${label} hop, round ${r}` })).tis),
      fanout: spansOfTis((await s.run("peers_fanout", { label: `${label} fan-out, round ${r}` })).tis),
    }));
    if (!fn) return { rounds: measured, fn: null };
    step(`peers, ${label}: ${ROUNDS} rounds of a ${FN_TASKS}-task fn fan-out (warm runners)`);
    const runs = [];
    for (let r = 1; r <= ROUNDS; r++) runs.push(await s.run("peers_fn", { label: `${label} fn fan-out, round ${r}` }));
    return {
      rounds: measured,
      fn: {
        perSecond: median(runs.map((run) => throughput(run.tis).perSecond)),
        schedulerCpuPerThousand: median(runs.map((run) => (run.schedulerCpu / run.tis.length) * 1000)),
        runnerCpuPerThousand: median(runs.map((run) => (run.runnerCpu / run.tis.length) * 1000)),
      },
    };
  });
}

const METRICS: ReadonlyArray<{ key: keyof RowFigures; name: string; unit: string }> = [
  { key: "wallPerHopMs", name: "wall per hop task", unit: "ms" },
  { key: "gapP50", name: "gap p50", unit: "ms" },
  { key: "tryHopP50", name: "try start→end p50, hop", unit: "ms" },
  { key: "tryFanoutP50", name: "try start→end p50, fan-out", unit: "ms" },
  { key: "fanoutPerSecond", name: "fan-out", unit: "tasks/s" },
];

/** "12.0 (1.41x)": a value and its ratio to the floor's. */
function cell(value: number, floor: number): string {
  const ratio = value / floor;
  return Number.isFinite(ratio) ? `${fmt(value)} (${fmt(ratio, 2)}x)` : fmt(value);
}

/** The peer row with the best value of `key` (lowest, or highest with `highest`). */
function best(rows: readonly Row[], key: keyof RowFigures, highest: boolean): Row | undefined {
  return [...rows].sort((a, b) => (highest ? b.figures[key] - a.figures[key] : a.figures[key] - b.figures[key]))[0];
}

/** A target against the best peer row: value = Switchyard's, floor = the peer's (labelled). */
function versusPeer(name: string, unit: string, mine: Row | undefined, peers: readonly Row[], key: keyof RowFigures, target: Target): Figure[] {
  const peer = best(peers, key, target.op === ">=");
  if (mine === undefined || peer === undefined) return [];
  return [{ name, unit, value: mine.figures[key], floor: peer.figures[key], floorLabel: peer.label, target }];
}

export async function peers(): Promise<ScenarioResult> {
  const groups = selectedRows();
  const bullmqVersion = version("bullmq");
  const graphileVersion = version("graphile-worker");
  const floor = medianFigures(await floorRounds());
  const rows: Row[] = [];
  const add = (label: string, measured: Round[]) => rows.push({ label, figures: medianFigures(measured) });
  if (groups.has("bullmq")) {
    add(`BullMQ ${bullmqVersion}, defaults`, await bullmqRounds("defaults"));
    add(`BullMQ ${bullmqVersion}, batched`, await bullmqRounds("batched"));
  }
  if (groups.has("graphile")) {
    add(`graphile-worker ${graphileVersion}, defaults`, await graphileRounds("defaults"));
    add(`graphile-worker ${graphileVersion}, batched`, await graphileRounds("batched"));
  }
  let fn: FnFanout | null = null;
  let startup: StartupRound[] = [];
  if (groups.has("sqlite")) {
    const sqlite = await switchyardRounds("sqlite", true);
    add("Switchyard, SQLite", sqlite.rounds);
    fn = sqlite.fn;
    step(`peers, Switchyard SQLite: first task after the scheduler starts on a parsed, unchanged DAG folder, ${ROUNDS} times`);
    startup = await firstTaskAfterStart(switchyardConfig("sqlite"), { ...PEER_DAGS, "peers_probe.ts": probeDag("peers_probe") }, "peers_probe", ROUNDS);
  }
  if (groups.has("postgres")) add("Switchyard, PostgreSQL", (await switchyardRounds("postgres", false)).rounds);

  const find = (prefix: string) => rows.filter((r) => r.label.startsWith(prefix));
  const sqlite = find("Switchyard, SQLite")[0];
  const postgres = find("Switchyard, PostgreSQL")[0];
  const bullmq = find("BullMQ");
  const graphile = find("graphile-worker");
  const allPeers = [...bullmq, ...graphile];

  const targets: Figure[] = [
    ...versusPeer("SQLite: wall per hop task vs BullMQ's", "ms", sqlite, bullmq, "wallPerHopMs", { on: "ratio", op: "<=", limit: 1 }),
    ...versusPeer("PostgreSQL: wall per hop task vs graphile-worker's", "ms", postgres, graphile, "wallPerHopMs", { on: "ratio", op: "<=", limit: 1 }),
    ...versusPeer("PostgreSQL: gap p50 vs graphile-worker's", "ms", postgres, graphile, "gapP50", { on: "ratio", op: "<=", limit: 1 }),
    ...versusPeer("SQLite: fan-out vs the best peer's", "tasks/s", sqlite, allPeers, "fanoutPerSecond", { on: "ratio", op: ">=", limit: 1 }),
    ...versusPeer("PostgreSQL: fan-out vs the best peer's", "tasks/s", postgres, allPeers, "fanoutPerSecond", { on: "ratio", op: ">=", limit: 1 }),
  ];
  const own: Figure[] = [];
  if (fn !== null) {
    own.push(
      { name: `SQLite: fn fan-out, ${FN_TASKS} tasks (warm runners)`, unit: "tasks/s", value: fn.perSecond, target: { on: "value", op: ">=", limit: 5000 } },
      { name: "SQLite: fn fan-out scheduler CPU per 1,000 tasks", unit: "s", value: fn.schedulerCpuPerThousand },
      { name: "SQLite: fn fan-out runner CPU per 1,000 tasks", unit: "s", value: fn.runnerCpuPerThousand },
    );
  }
  if (sqlite !== undefined) own.push({ name: "SQLite: per-try overhead (try start→end p50, hop, minus the floor's)", unit: "ms", value: sqlite.figures.tryHopP50 - floor.tryHopP50, target: { on: "value", op: "<=", limit: 2 } });
  if (postgres !== undefined) own.push({ name: "PostgreSQL: per-try overhead (try start→end p50, hop, minus the floor's)", unit: "ms", value: postgres.figures.tryHopP50 - floor.tryHopP50 });
  if (startup.length > 0) own.push({ name: "SQLite: first task after `scheduler` starts (parsed, unchanged folder), median", unit: "ms", value: median(startup.map((r) => r.ms)), target: { on: "value", op: "<=", limit: 300 } });

  const perRow: Figure[] = rows.flatMap((row) => METRICS.map((m) => ({ name: `${row.label}: ${m.name}`, unit: m.unit, value: row.figures[m.key], floor: floor[m.key] })));

  return {
    scenario: "peers",
    title: `Switchyard beside BullMQ and graphile-worker: a hop of ${HOP_TASKS} and a fan-out of ${FANOUT_TASKS} \`bash -c true\` tasks at concurrency ${CONCURRENCY}, median of ${ROUNDS} rounds`,
    notes: [
      `floor: one plain Node process spawning \`bash -c true\`: ${HOP_TASKS} back to back (gap = one exit event to the next spawn call), and ${FANOUT_TASKS} through a pool of ${CONCURRENCY}`,
      `BullMQ ${bullmqVersion} (Redis at ${BENCH_REDIS_URL}): one plain worker process of concurrency ${CONCURRENCY} for the fan-out (1 for the hop) whose processor spawns the command; the hop's next job is added when QueueEvents reports the previous one completed. defaults: one \`add\` per job, default job options (completed jobs kept); batched: \`addBulk\` in batches of 1,000 and \`removeOnComplete\``,
      `graphile-worker ${graphileVersion} (PostgreSQL at ${PG_BENCH_URL}, a schema of its own, dropped afterwards): \`run()\` in a plain worker process, concurrency ${CONCURRENCY} for the fan-out (1, its default, for the hop), LISTEN/NOTIFY wake-ups, pollInterval 2 s, prepared statements; a task function spawns the command; maxPoolSize ${CONCURRENCY + 2} in both rows (its default of 10 draws a warning at concurrency ${CONCURRENCY}; the docs say concurrency + 2). The hop's next job is added when the worker's job:complete event reaches the bench process over IPC (graphile-worker tells no other process of a completion). defaults: one \`addJob\` per job; batched: \`addJobs\` in batches of 1,000, localQueue.size ${CONCURRENCY + 1}, completeJobBatchDelay 0`,
      `Switchyard: ${describeConfig({ executor: "LocalExecutor", parallelism: CONCURRENCY, executors: switchyardConfig("sqlite").executors ?? {}, db: "sqlite" })}; PostgreSQL the same with a schema per home on ${PG_BENCH_URL}; the hop is a chain DAG of ${HOP_TASKS} bash tasks, the fan-out a DAG of ${FANOUT_TASKS} independent ones, each round one triggered run into a scheduler that is already up`,
      "try start→end: for the floor, spawn to exit; for the peers, their job function's start and end (in their worker process); for Switchyard, the try's start and end as the runner reports them (whole ms). gap = one try's end to the next try's start; wall per hop task = first start to last end / tasks; fan-out = tasks / (first start to last end)",
      `each figure is the median of its ${ROUNDS} per-round values; rows run one after another (all rounds of a row together); cells are value (ratio to the floor)`,
      "not like for like: the peers have no DAG, no dependencies, no pools, no audit rows and no task log; Switchyard's bash try runs through a warm runner in a process group of its own with a log file, its state changes are committed to the metadata database, and its hop goes through a scheduler pass; the peers' hop driver is this benchmark's process",
      `targets against a peer use that peer's best row (the floor column names it); per-try overhead = Switchyard's hop try start→end p50 minus the floor's spawn→exit p50; fn fan-out: ${FN_TASKS} no-op fn tasks on SQLite with warm runners, first start to last end`,
      ...(startup.length > 0 ? [`first task: a run of a one-task DAG triggered while no scheduler is up, in a home whose folder (the hop, fan-out and probe DAGs) a first scheduler already parsed; spawn of \`switchyard scheduler\` to the try's start; each round: ${startup.map((r) => `${fmt(r.ms, 0)} ms`).join(", ")}`] : []),
    ],
    tables: [
      {
        caption: "Per row: value (ratio to the floor)",
        header: ["", ...METRICS.map((m) => `${m.name} [${m.unit}]`)],
        rows: [["floor", ...METRICS.map((m) => fmt(floor[m.key]))], ...rows.map((row) => [row.label, ...METRICS.map((m) => cell(row.figures[m.key], floor[m.key]))])],
      },
    ],
    figures: [...targets, ...own, ...perRow],
  };
}
