import { Command } from "commander";
import { parseQueues, parseWorkerName } from "../arguments.js";
import { cliConfig } from "../context.js";
import { parseIntArg } from "../output.js";

/**
 * `switchyard worker` (Airflow's `celery worker`): runs tries a BullMQExecutor sends, from the
 * queues named, on this machine. Reads this machine's switchyard.toml for Redis (the executor
 * section), the dags folder and the log folder; never opens the metadata database.
 */
export function workerCommand(): Command {
  return new Command("worker")
    .description("run tries that a BullMQExecutor sends, from the given queues, on this machine (never opens the metadata database)")
    .option("--executor <name>", "the BullMQExecutor entry of [core] executor whose Redis and prefix to serve (default: the first BullMQExecutor)")
    .option("-q, --queues <list>", "comma-separated queues to take tries from", "default")
    .option("-c, --concurrency <n>", "most tries this worker runs at once, over all its queues", parseIntArg("--concurrency", 1), 16)
    .option("--name <name>", "this worker's name, unique among live workers (default: <hostname>-<pid>)")
    .addHelpText("after", "\nSIGTERM: take no new tries, finish those running, exit 0. A second SIGTERM, or SIGINT: kill the tries (they are reported failed, and retried as their retries allow) and exit 1.")
    .action(async (opts: { executor?: string; queues: string; concurrency: number; name?: string }) => {
      const queues = parseQueues(opts.queues);
      const name = opts.name === undefined ? undefined : parseWorkerName(opts.name);
      const config = await cliConfig();
      const { runWorker } = await import("../../worker/run-worker.js");
      await runWorker(config, { queues, concurrency: opts.concurrency, ...(opts.executor !== undefined ? { executor: opts.executor } : {}), ...(name !== undefined ? { name } : {}) });
    });
}
