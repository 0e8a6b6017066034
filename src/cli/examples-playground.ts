import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SwitchyardError } from "../common/errors.js";
import { parseExecutorNames } from "../config/executor-names.js";
import { CONFIG_FILE_NAME, loadConfig } from "../config/load.js";
import type { SwitchyardConfig } from "../config/types.js";
import { EXAMPLE_DAGS_FOLDER, syncDagsFolder } from "../scheduler/dag-sync.js";
import { executorResolver, manualRunId } from "../scheduler/runs.js";
import { openStore } from "../store/connect.js";
import { migrateStore } from "../store/migrate.js";
import { createDagRun, getDagRun, RunType } from "../store/queries/dag-runs.js";
import { getDag, parseSerializedDag } from "../store/queries/dags.js";
import { setPool } from "../store/queries/pools.js";
import { runScheduler } from "./commands/scheduler.js";
import { out } from "./context.js";

/** The DAG the playground triggers once: the quickstart's. */
const DEMO_DAG = "multi_executor_demo";

/**
 * The configuration the bundled examples are written for (the quickstart's,
 * examples/quickstart/switchyard.toml): the executors they route to, a SQLite file in the home.
 */
function examplesToml(): string {
  return [
    "# Written by `switchyard standalone --examples`: the configuration the bundled example DAGs need.",
    "[core]",
    `executor = "LocalExecutor,SequentialExecutor,fast:LocalExecutor"`,
    "parallelism = 16",
    `dags_folder = ${JSON.stringify(EXAMPLE_DAGS_FOLDER)}`,
    "",
    "[executors.fast]",
    "parallelism = 4",
    "",
  ].join("\n");
}

/**
 * `standalone --examples`: the bundled example DAGs in a throwaway home (its own switchyard.toml and
 * SQLite file under the system temp folder), so they work whatever the user's configuration is and
 * leave nothing in the user's database. Triggers the demo DAG once, runs the scheduler, prints the
 * run's state, and removes the home when it exits (stopped, idle, or failed).
 */
export async function runExamplesPlayground(opts: { exitWhenIdle: boolean }): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-standalone-"));
  const remove = () => fs.rmSync(home, { recursive: true, force: true });
  // A second SIGTERM ends the process from inside the scheduler's handler: the home goes anyway.
  process.once("exit", remove);
  try {
    fs.writeFileSync(path.join(home, CONFIG_FILE_NAME), examplesToml());
    // The user's SWITCHYARD__ variables configure their deployment, not this one.
    const config = loadConfig({ home, env: {} });
    const runId = await prepare(config);
    process.stderr.write(
      `examples playground: SWITCHYARD_HOME=${home} (removed when standalone exits)\n` +
        `  triggered ${DEMO_DAG} (run ${runId}); from another terminal, with the same SWITCHYARD_HOME:\n` +
        `  switchyard dags list, switchyard dags trigger pools_and_priorities, switchyard tasks states-for-dag-run ${DEMO_DAG} ${runId}\n`,
    );
    await runScheduler(config, { exitWhenIdle: opts.exitWhenIdle });
    const state = await runState(config, runId);
    out(`DAG run ${runId} of ${DEMO_DAG}: ${state}`);
    if (opts.exitWhenIdle && state !== "success") process.exitCode = 1;
  } finally {
    remove();
    process.off("exit", remove);
  }
}

/** Creates the database, the pool the examples share, and one run of the demo DAG; returns its run id. */
async function prepare(config: SwitchyardConfig): Promise<string> {
  const store = await openStore(config.database, { create: true });
  try {
    await migrateStore(store);
    await setPool(store.db, { name: "limited", slots: 2, description: "used by the example DAGs" });
    const bag = await syncDagsFolder(store, config);
    if (bag.errors.length > 0) {
      throw new SwitchyardError("EXAMPLES_IMPORT", `the bundled example DAGs do not import: ${bag.errors.map((e) => `${e.filename}: ${e.message}`).join("; ")}`);
    }
    const now = Date.now();
    const run = await createDagRun(store.db, {
      dag: parseSerializedDag(await getDag(store.db, DEMO_DAG)),
      runId: manualRunId(now),
      runType: RunType.MANUAL,
      logicalDate: now,
      conf: {},
      now,
      resolveExecutor: executorResolver(parseExecutorNames(config.core.executor, config.home)),
      source: "standalone",
    });
    return run.run_id;
  } finally {
    await store.close();
  }
}

async function runState(config: SwitchyardConfig, runId: string): Promise<string> {
  const store = await openStore(config.database);
  try {
    return (await getDagRun(store.db, DEMO_DAG, runId)).state;
  } finally {
    await store.close();
  }
}
