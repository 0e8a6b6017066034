import { Command } from "commander";
import { cliConfig } from "../context.js";
import { parseIntArg } from "../output.js";

/**
 * `switchyard dag-processor` (Airflow 3): only the parsing half of a scheduler. Parses the DAG
 * folder into the metadata database, then again on every change, until SIGTERM/SIGINT or
 * `--num-runs` parses. For deployments that parse on their own machine, with
 * `[scheduler] standalone_dag_processor = true` so the schedulers do not parse too.
 */
export function dagProcessorCommand(): Command {
  return new Command("dag-processor")
    .description("parse the DAG folder into the metadata database, and again on every change (run it beside schedulers that have [scheduler] standalone_dag_processor = true)")
    .option("-n, --num-runs <n>", "exit after this many parses (default: run until stopped)", parseIntArg("--num-runs", 1))
    .action(async (opts: { numRuns?: number }) => {
      const config = await cliConfig();
      const [{ createLogger }, { openStore }, { assertSchemaCurrent }, { DagProcessor }] = await Promise.all([
        import("../../common/logger.js"),
        import("../../store/connect.js"),
        import("../../store/migrate.js"),
        import("../../scheduler/dag-processor.js"),
      ]);
      const logger = createLogger("dag-processor", config.logging.level);
      const store = await openStore(config.database);
      try {
        await assertSchemaCurrent(store);
        await new Promise<void>((resolve) => {
          let parses = 0;
          const processor = new DagProcessor(store, config, {
            logger,
            onParsed: (result) => {
              if (result !== null && opts.numRuns !== undefined && ++parses >= opts.numRuns) void processor.stop().then(resolve);
            },
          });
          const onSignal = (signal: NodeJS.Signals) => {
            logger.info(`${signal}: stopping`);
            void processor.stop().then(resolve);
          };
          process.once("SIGTERM", onSignal);
          process.once("SIGINT", onSignal);
          processor.start();
        });
      } finally {
        await store.close();
      }
    });
}
