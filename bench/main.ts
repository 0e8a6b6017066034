/**
 * `npm run bench [-- scenario ...] [--json file] [--db sqlite|postgres] [--schedulers n]`: runs
 * the scenarios (default: all) against the built CLI, printing each one's figures beside its
 * floor, then a summary of the targets. `--db postgres` runs the chosen scenarios on PostgreSQL
 * (a schema per bench home), `--schedulers n` with n scheduler processes on the same database.
 */
import fs from "node:fs";
import { cli } from "./cli.js";
import { executor } from "./executor.js";
import { fanout } from "./fanout.js";
import { fleet } from "./fleet.js";
import { hop } from "./hop.js";
import { kubernetes } from "./kubernetes.js";
import { describeMachine } from "./lib/machine.js";
import { loadAverage } from "./lib/procfs.js";
import { assertBuilt } from "./lib/paths.js";
import { printScenario, printSummary, type ScenarioResult } from "./lib/report.js";
import { incidents } from "./lib/session.js";
import { multi } from "./multi.js";
import { peers } from "./peers.js";
import { trybash } from "./trybash.js";
import { pgScenario } from "./pg.js";
import { starved } from "./starved.js";
import { startup } from "./startup.js";
import { statements } from "./statements.js";
import { benchTarget, setBenchTarget } from "./lib/home.js";
import { wide } from "./wide.js";

const SCENARIOS: Record<string, () => Promise<ScenarioResult>> = { executor, hop, fanout, multi, wide, pg: pgScenario, starved, statements, cli, fleet, kubernetes, peers, trybash, startup };

async function main(argv: readonly string[]): Promise<void> {
  const names: string[] = [];
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--json") json = argv[++i];
    else if (arg === "--db") {
      const db = argv[++i];
      if (db !== "sqlite" && db !== "postgres") throw new Error(`--db takes sqlite or postgres, not ${JSON.stringify(db)}`);
      setBenchTarget({ db });
    } else if (arg === "--schedulers") {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--schedulers takes a whole number >= 1, not ${JSON.stringify(argv[i])}`);
      setBenchTarget({ schedulers: n });
    }
    else if (arg in SCENARIOS) names.push(arg);
    else throw new Error(`unknown argument ${JSON.stringify(arg)}; scenarios: ${Object.keys(SCENARIOS).join(", ")}; options: --json <file>, --db sqlite|postgres, --schedulers <n>`);
  }
  assertBuilt();
  const selected = names.length > 0 ? names : Object.keys(SCENARIOS);
  const target = benchTarget();
  if (target.schedulers > 1 && target.db === "sqlite") throw new Error("--schedulers > 1 needs --db postgres: SQLite allows one scheduler at a time (a second one is refused)");
  process.stdout.write(`# Switchyard benchmarks\n\nmachine: ${describeMachine()}\nscenarios: ${selected.join(", ")}\ndatabase: ${target.db}, schedulers: ${target.schedulers} (the pg scenario sets its own)\n`);
  const results: ScenarioResult[] = [];
  const started = Date.now();
  for (const name of selected) {
    const t0 = Date.now();
    const loadBefore = loadAverage();
    const measured = await SCENARIOS[name]!();
    const result = { ...measured, notes: [...measured.notes, `load average (1, 5, 15 min) before: ${loadBefore}; after: ${loadAverage()}; took ${((Date.now() - t0) / 1000).toFixed(0)}s`] };
    printScenario(result);
    results.push(result);
  }
  printSummary(results);
  if (incidents.length > 0) process.stdout.write(`\n## Incidents (worked around)\n\n${incidents.map((i) => `- ${i}`).join("\n")}\n`);
  process.stdout.write(`\ntotal ${((Date.now() - started) / 1000).toFixed(0)}s\n`);
  if (json !== undefined) fs.writeFileSync(json, `${JSON.stringify({ machine: describeMachine(), date: new Date().toISOString(), results }, null, 2)}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
