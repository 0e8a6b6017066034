/**
 * The fault suite: `npm run chaos -- --cycles N [--short] [--no-pg-restart] [--seed S]`.
 * See docs/reliability.md for what each cycle does and what it checks.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { activeAdmin, runCycle, PG_RESTARTS_OK_FILE, type CycleResult } from "./cycle.js";
import { FULL_SHAPE, SHORT_SHAPE } from "./dag.js";
import { liveSchedulers } from "./deployment.js";
import { liveWorkers } from "./fleet.js";
import { liveKubes } from "./kube.js";
import { PostgresCluster, TaskKillTarget } from "./faults.js";
import { progressLine, summaryTable } from "./report.js";
import { ViolationKind } from "./check.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const { values } = parseArgs({
  options: {
    cycles: { type: "string" },
    short: { type: "boolean", default: false },
    seed: { type: "string" },
    "no-pg-restart": { type: "boolean", default: false },
    "no-db-outage": { type: "boolean", default: false },
    db: { type: "string", default: "postgres" },
    "task-kill": { type: "string", default: "pid" },
    "pg-url": { type: "string", default: process.env.SWITCHYARD_CHAOS_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test" },
    keep: { type: "boolean", default: false },
    "fail-on-rerun": { type: "boolean", default: false },
    deadline: { type: "string" },
    cli: { type: "string", default: path.join(ROOT, "dist", "cli", "main.js") },
    help: { type: "boolean", default: false },
  },
});

if (values.help) {
  process.stdout.write(`usage: npm run chaos -- [--cycles N] [--short] [--seed S] [--no-pg-restart] [--no-db-outage]
         [--task-kill pid|group] [--db postgres|sqlite] [--pg-url URL] [--fail-on-rerun] [--deadline S] [--keep] [--cli PATH]
  --cycles N        cycles to run (default 50; 2 with --short)
  --short           the CI form: a smaller DAG and shorter deadlines
  --seed S          seeds the DAG shapes and the fault plan (default: from the clock; printed)
  --no-pg-restart   never restart PostgreSQL (restarts also need ${PG_RESTARTS_OK_FILE} to exist)
  --no-db-outage    never cut a deployment off PostgreSQL (its own role's sessions killed, logins refused)
  --db              postgres (default; a fresh schema per cycle) or sqlite (a file per cycle)
  --task-kill       pid (default: SIGKILL the try's bash, the TI's pid) or group (its whole process group)
  --deadline S      seconds a cycle's run may take before its unfinished TIs count as stuck (default 150; 90 with
                    --short): more on a machine too loaded for the schedulers to start in seconds
  --keep            keep every cycle's home and schema (failing cycles are always kept)
  --fail-on-rerun   also fail when a finished try is run again because its scheduler died before
                    recording it (at-least-once; reported either way)
  --cli PATH        the switchyard CLI to test (default: dist/cli/main.js)
`);
  process.exit(0);
}

const db = values.db === "sqlite" ? "sqlite" : values.db === "postgres" ? "postgres" : null;
if (db === null) fail(`--db must be postgres or sqlite, not ${values.db}`);
const taskKill = values["task-kill"] === "pid" ? TaskKillTarget.PID : values["task-kill"] === "group" ? TaskKillTarget.GROUP : null;
if (taskKill === null) fail(`--task-kill must be pid or group, not ${values["task-kill"]}`);
const cycles = values.cycles === undefined ? (values.short ? 2 : 50) : Number(values.cycles);
if (!Number.isInteger(cycles) || cycles < 1) fail(`--cycles must be an integer >= 1, not ${values.cycles}`);
const seed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed);
if (!Number.isInteger(seed)) fail(`--seed must be an integer, not ${values.seed}`);
// Short: 90 s since the fleet faults (a killed worker's tries wait out worker_timeout) came in.
const deadlineS = values.deadline === undefined ? (values.short ? 90 : 150) : Number(values.deadline);
if (!Number.isInteger(deadlineS) || deadlineS < 10) fail(`--deadline must be an integer number of seconds >= 10, not ${values.deadline}`);
const CLI = path.resolve(values.cli);
if (!fs.existsSync(CLI)) fail(`${CLI} does not exist; run \`npm run build\` first`);
/** Which kinds fail the suite: all of them, except at-least-once re-runs unless --fail-on-rerun. */
const failing = (k: ViolationKind): boolean => k !== ViolationKind.RERUN || values["fail-on-rerun"];

function fail(message: string): never {
  process.stderr.write(`chaos: ${message}\n`);
  process.exit(2);
}

// Ctrl-C: kill the schedulers (their runners stop their tries), leave PostgreSQL running and the
// cycle's role allowed to log in, whatever was being done to them.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    process.stderr.write(`chaos: ${signal}; killing ${liveSchedulers.size} scheduler(s), the workers and the pods, making sure PostgreSQL runs, then exiting\n`);
    for (const child of liveSchedulers) child.kill("SIGKILL");
    for (const child of liveWorkers) child.kill("SIGKILL");
    void (async () => {
      await Promise.allSettled([...liveKubes].map((k) => k.stop()));
      if (db === "postgres") await new PostgresCluster(values["pg-url"]).ensureRunning().catch(() => undefined);
      await activeAdmin.current?.allowLogin().catch(() => undefined);
    })().finally(() => process.exit(130));
  });
}

const short = values.short;
const pgRestarts = !values["no-pg-restart"];
process.stderr.write(
  `chaos: ${cycles} cycle(s), seed ${seed}, ${db}, ${short ? "short" : "full"} DAG, task kills hit the ${taskKill === "pid" ? "try's bash" : "try's process group"}, PostgreSQL restarts ${
    db !== "postgres" ? "n/a" : !pgRestarts ? "off (--no-pg-restart)" : fs.existsSync(PG_RESTARTS_OK_FILE) ? "on" : `off until ${PG_RESTARTS_OK_FILE} exists`
  }\n`,
);

const started = Date.now();
const results: CycleResult[] = [];
let errors = 0;
for (let i = 1; i <= cycles; i++) {
  try {
    const r = await runCycle({
      index: i,
      seed: seed + i,
      shape: short ? SHORT_SHAPE : FULL_SHAPE,
      db,
      pgUrl: values["pg-url"],
      pgRestarts,
      dbOutages: !values["no-db-outage"],
      taskKill,
      // SQLite allows one scheduler at a time (a second is refused): its cycles kill and restart that one.
      schedulers: db === "sqlite" ? 1 : 2,
      parallelism: short ? 6 : 8,
      maxActiveTasks: 64,
      deadlineMs: deadlineS * 1000,
      faultGapMs: short ? [800, 1800] : [1500, 4000],
      // Every cycle has one of each scheduler and fleet fault (5), the DAG-file fault and three pod faults.
      maxFaults: short ? 11 : 15,
      keep: values.keep,
      failing,
      cliPath: CLI,
      taskScript: path.join(ROOT, "chaos", "task.sh"),
    });
    results.push(r);
    process.stderr.write(`${progressLine(r, cycles, failing)}\n`);
    for (const v of r.violations.slice(0, 20)) process.stderr.write(`  ${v.kind}${v.taskId ? ` ${v.taskId}` : ""}: ${v.detail}\n`);
    if (r.violations.length > 20) process.stderr.write(`  … ${r.violations.length - 20} more in ${r.home}\n`);
  } catch (err) {
    errors++;
    process.stderr.write(`cycle ${i}/${cycles} seed ${seed + i}: could not run: ${(err as Error).stack ?? String(err)}\n`);
  }
}

process.stdout.write(`\n${summaryTable(results, Date.now() - started, errors)}\n`);
process.stdout.write(`\nseed ${seed}, ${db}, ${short ? "short" : "full"} DAG, --task-kill ${taskKill}, ${os.cpus().length} CPU(s), node ${process.version}\n`);
const violations = results.reduce((a, r) => a + r.violations.filter((v) => failing(v.kind)).length, 0);
process.exit(violations > 0 || errors > 0 ? 1 : 0);
