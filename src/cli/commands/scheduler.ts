import { Command } from "commander";
import type { SwitchyardConfig } from "../../config/types.js";
import type { SchedulerOutcome } from "../../scheduler/scheduler.js";
import { cliConfig } from "../context.js";

/** `scheduler --exit-when-idle`'s exit status when it stopped with runs left waiting on outside action (0: all done, 1: an error). */
export const EXIT_WAITING_ON_OUTSIDE_ACTION = 3;

export const EXIT_WHEN_IDLE_HELP =
  `exit once no DAG run can progress without outside action (for scripts and CI): status 0 when every run finished, ` +
  `${EXIT_WAITING_ON_OUTSIDE_ACTION} when runs are left waiting (a paused or deleted DAG, a missing pool, ...; the log lists each with why), 1 on an error`;

/**
 * Runs a scheduler until it is stopped (SIGTERM/SIGINT: graceful; a second signal: now) or, with
 * exitWhenIdle, until no run can progress without outside action; then sets the exit status.
 */
export async function runScheduler(config: SwitchyardConfig, opts: { exitWhenIdle?: boolean; initDb?: boolean }): Promise<SchedulerOutcome> {
  const { createLogger } = await import("../../common/logger.js");
  const { loadExecutors } = await import("../../executors/loader.js");
  const logger = createLogger("scheduler", config.logging.level);
  const executors = await loadExecutors(config, {
    logger: (name) => {
      const l = createLogger(`executor.${name.name}`, config.logging.level);
      return { debug: (m) => l.debug(m), info: (m) => l.info(m), warn: (m) => l.warn(m), error: (m) => l.error(m) };
    },
  });
  // Warm runners take a Node start-up each: begun now, it overlaps the imports and the database
  // work below instead of following them, and the first try finds its runner ready. (An executor
  // class from another copy of Switchyard may predate the hook.)
  for (const ex of executors.all) ex.warmUp?.();
  try {
    const { Scheduler, schedulerLeaseMs } = await import("../../scheduler/scheduler.js");
    const { openStore } = await import("../../store/connect.js");
    const { assertSchemaCurrent, migrateStore } = await import("../../store/migrate.js");
    const store = await openStore(config.database, { create: opts.initDb === true, idleInTransactionTimeoutMs: schedulerLeaseMs(config) });
    try {
      if (opts.initDb) await migrateStore(store);
      else await assertSchemaCurrent(store);
      const scheduler = new Scheduler(store, config, executors.all, { exitWhenIdle: opts.exitWhenIdle === true, logger });
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        signals++;
        if (signals === 1) {
          logger.info(`${signal}: finishing running tries, then exiting (send it again to kill them now)`);
          scheduler.stop();
        } else {
          logger.warn(`${signal} again: killing running tries`);
          for (const ex of executors.all) void ex.terminate();
          process.exit(1);
        }
      };
      process.on("SIGTERM", onSignal);
      process.on("SIGINT", onSignal);
      try {
        const outcome = await scheduler.run();
        if (outcome.waiting.length > 0) process.exitCode = EXIT_WAITING_ON_OUTSIDE_ACTION;
        return outcome;
      } finally {
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
      }
    } finally {
      await store.close();
    }
  } catch (err) {
    // Leave no runner behind (it would keep this process alive and its tries running unowned):
    // the warm-up may have started some before the database turned out to be unusable.
    for (const ex of executors.all) await Promise.resolve(ex.terminate()).catch(() => undefined);
    throw err;
  }
}

export function schedulerCommand(): Command {
  return new Command("scheduler")
    .description("run the scheduler: creates runs, resolves dependencies, queues task instances onto their executors")
    .option("--exit-when-idle", EXIT_WHEN_IDLE_HELP)
    .action(async (opts: { exitWhenIdle?: boolean }) => {
      await runScheduler(await cliConfig(), { exitWhenIdle: opts.exitWhenIdle === true });
    });
}

