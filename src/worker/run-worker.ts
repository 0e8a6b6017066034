import { hostname } from "node:os";
import { SwitchyardError } from "../common/errors.js";
import { createLogger } from "../common/logger.js";
import { runnerFoldersOf } from "../config/runner-folders.js";
import type { SwitchyardConfig } from "../config/types.js";
import { bullmqEntries } from "../executors/bullmq/entries.js";
import { FleetWorker } from "./fleet-worker.js";
import { queueNameProblem, workerNameProblem } from "../common/fleet-names.js";

export interface RunWorkerOptions {
  readonly executor?: string;
  readonly queues: readonly string[];
  readonly concurrency: number;
  readonly name?: string;
}

/** `switchyard worker`: run until signalled; SIGTERM drains, a second SIGTERM or SIGINT kills. */
export async function runWorker(config: SwitchyardConfig, opts: RunWorkerOptions): Promise<void> {
  // The one named, or the first configured.
  const { name: executor, options: bullmq } = bullmqEntries(config, opts.executor)[0]!;
  const name = opts.name ?? `${hostname()}-${process.pid}`;
  const nameProblem = workerNameProblem(name);
  if (nameProblem !== null) throw new SwitchyardError("WORKER_BAD_NAME", `worker name ${JSON.stringify(name)} ${nameProblem}; give --name with 1-100 characters from A-Z a-z 0-9 _ - . @`);
  // The CLI checked these already (src/cli/arguments.ts); callers of this function may not have.
  if (opts.queues.length === 0) throw new SwitchyardError("WORKER_BAD_QUEUES", "no queues given; name at least one, e.g. --queues default,io");
  for (const queue of opts.queues) {
    const problem = queueNameProblem(queue);
    if (problem !== null) throw new SwitchyardError("WORKER_BAD_QUEUES", `queue ${JSON.stringify(queue)} ${problem}; e.g. --queues default,io`);
  }
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) {
    throw new SwitchyardError("WORKER_BAD_CONCURRENCY", `concurrency ${String(opts.concurrency)} is not valid; give --concurrency an integer >= 1`);
  }
  // Tasks see which worker runs them; runners inherit this environment.
  process.env.SWITCHYARD_WORKER = name;
  const log = createLogger(`worker.${name}`, config.logging.level);
  const logger = { debug: (m: string) => log.debug(m), info: (m: string) => log.info(m), warn: (m: string) => log.warn(m), error: (m: string) => log.error(m) };
  const worker = new FleetWorker({ name, queues: opts.queues, concurrency: opts.concurrency, executor, bullmq, folders: runnerFoldersOf(config), home: config.home, logger });
  let stopping: Promise<void> | null = null;
  let killed = false;
  let signalled!: () => void;
  const firstSignal = new Promise<void>((resolve) => (signalled = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping === null && signal === "SIGTERM") {
      log.info("SIGTERM: taking no new tries, finishing the running ones (SIGTERM again or SIGINT kills them)");
      stopping = worker.drain();
      signalled();
      return;
    }
    if (killed) return;
    killed = true;
    log.warn(`${signal}: killing running tries; they are reported failed`);
    stopping = worker.kill();
    signalled();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  try {
    await worker.start();
    await firstSignal;
    // A kill during a drain replaces `stopping`: wait for whichever is current.
    let current: Promise<void> | null = null;
    while (current !== stopping) {
      current = stopping;
      await current;
    }
    log.info(`worker ${name} stopped`);
    if (killed) process.exitCode = 1;
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
}
