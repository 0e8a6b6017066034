import { Command } from "commander";
import { cliConfig } from "../context.js";
import { parseIntArg } from "../output.js";

/** A queue name as BullMQ keys can carry it: no ":" (it separates key parts), nothing empty. */
const QUEUE = /^[A-Za-z0-9_.-]+$/;

function parseQueues(text: string): string[] {
  const queues = text.split(",").map((q) => q.trim());
  const bad = queues.find((q) => !QUEUE.test(q));
  if (bad !== undefined) {
    throw new Error(
      `--queues ${JSON.stringify(text)}: ${bad === "" ? "has an empty queue name" : `queue ${JSON.stringify(bad)} may only contain letters, digits, "_", "-" and "."`}; ` +
        "write a comma-separated list, e.g. --queues default,io",
    );
  }
  return [...new Set(queues)];
}

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
      const config = await cliConfig();
      const { runWorker } = await import("../../worker/run-worker.js");
      await runWorker(config, { queues, concurrency: opts.concurrency, ...(opts.executor !== undefined ? { executor: opts.executor } : {}), ...(opts.name !== undefined ? { name: opts.name } : {}) });
    });
}
