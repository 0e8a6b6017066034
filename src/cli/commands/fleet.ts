import { Command } from "commander";
import { cliConfig, out } from "../context.js";
import type { Redis } from "ioredis";
import type { BullMQEntry } from "../../executors/bullmq/entries.js";
import { isoMs, outputOption, render, type Column, type OutputFormat } from "../output.js";

const EXECUTOR_HELP = "the BullMQExecutor entry of [core] executor to look at (default: every BullMQExecutor)";

const seconds = (ms: number | null): number | null => (ms === null ? null : Math.round(ms / 100) / 10);

/**
 * `switchyard fleet` (Flower's job): what the BullMQExecutor's workers and queues are doing, read
 * from Redis alone. Reads the configuration for Redis and the executor sections only: it never
 * opens the metadata database, so it works from any machine that can reach Redis.
 */
export function fleetCommand(): Command {
  const fleet = new Command("fleet").description("the BullMQExecutor's workers and queues, read from Redis (never opens the metadata database)");

  listing(fleet, {
    name: "workers",
    description: "every switchyard worker registered in Redis: queues, concurrency, running tries, last heartbeat, state (running, draining, stopped, lost)",
    read: (redis, entry, now) => import("../../executors/bullmq/fleet-workers.js").then((m) => m.listFleetWorkers(redis, entry.name, entry.options, now)),
    columns: (now) => [
      { header: "executor", value: (r) => r.executor },
      { header: "name", value: (r) => r.name },
      { header: "hostname", value: (r) => r.hostname },
      { header: "pid", value: (r) => r.pid },
      { header: "queues", value: (r) => r.queues.join(",") },
      { header: "concurrency", value: (r) => r.concurrency },
      { header: "running", value: (r) => r.running.length },
      { header: "last_heartbeat", value: (r) => isoMs(r.lastHeartbeat) },
      { header: "age_s", value: (r) => seconds(now - r.lastHeartbeat) },
      { header: "state", value: (r) => r.state },
    ],
    json: (now) => (r) => ({
      executor: r.executor,
      name: r.name,
      hostname: r.hostname,
      pid: r.pid,
      queues: r.queues,
      concurrency: r.concurrency,
      running: r.running.map((t) => ({ queue: t.queue, jobId: t.jobId, ...(t.ti ?? {}) })),
      lastHeartbeat: isoMs(r.lastHeartbeat),
      heartbeatAgeSeconds: seconds(now - r.lastHeartbeat),
      startedAt: isoMs(r.startedAt),
      state: r.state,
    }),
  });

  listing(fleet, {
    name: "queues",
    description: "per BullMQExecutor and queue: tries waiting, active, delayed, failed, the oldest waiting try's age, and live workers serving it",
    read: (redis, entry, now) => import("../../executors/bullmq/fleet-queues.js").then((m) => m.listFleetQueues(redis, entry.name, entry.options, now)),
    columns: () => [
      { header: "executor", value: (r) => r.executor },
      { header: "queue", value: (r) => r.queue },
      { header: "waiting", value: (r) => r.waiting },
      { header: "active", value: (r) => r.active },
      { header: "delayed", value: (r) => r.delayed },
      { header: "failed", value: (r) => r.failed },
      { header: "oldest_waiting_s", value: (r) => seconds(r.oldestWaitingMs) },
      { header: "workers", value: (r) => r.workers },
    ],
    json: () => (r) => ({
      executor: r.executor,
      queue: r.queue,
      waiting: r.waiting,
      active: r.active,
      delayed: r.delayed,
      failed: r.failed,
      oldestWaitingSeconds: seconds(r.oldestWaitingMs),
      workers: r.workers,
    }),
  });
  return fleet;
}

/** One `fleet` listing: read from every BullMQExecutor entry's Redis (or the one --executor names), then render. */
function listing<R>(
  fleet: Command,
  spec: {
    name: string;
    description: string;
    read: (redis: Redis, entry: BullMQEntry, now: number) => Promise<R[]>;
    /** Given the time the rows were read at, for ages. */
    columns: (now: number) => readonly Column<R>[];
    json: (now: number) => (row: R) => unknown;
  },
): void {
  fleet
    .command(spec.name)
    .description(spec.description)
    .option("--executor <name>", EXECUTOR_HELP)
    .addOption(outputOption())
    .action(async (opts: { executor?: string; output: OutputFormat }) => {
      const config = await cliConfig();
      const { readFleet } = await import("../../executors/bullmq/fleet-read.js");
      const now = Date.now();
      const rows = await readFleet(config, opts.executor, (redis, entry) => spec.read(redis, entry, now));
      out(render(rows, spec.columns(now), opts.output, spec.json(now)));
    });
}
