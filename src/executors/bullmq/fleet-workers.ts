import type { Redis } from "ioredis";
import type { TaskInstanceKey } from "../../common/keys.js";
import { keyOfJobId } from "./jobs.js";
import type { CompiledBullMQExecutorOptions } from "./options.js";
import { readWorkers, workerAlive, WorkerState, type WorkerRecord } from "./worker-registry.js";

/** How `switchyard fleet workers` shows a worker: its own state, or `lost` when its heartbeat is older than `worker_timeout`. */
export const FleetWorkerState = { ...WorkerState, LOST: "lost" } as const;
export type FleetWorkerState = (typeof FleetWorkerState)[keyof typeof FleetWorkerState];

/** One try a worker holds, with the TI it belongs to when its job id names one. */
export interface HeldTry {
  readonly queue: string;
  readonly jobId: string;
  readonly ti: TaskInstanceKey | null;
}

/** One row of `switchyard fleet workers`. */
export interface FleetWorkerView {
  readonly executor: string;
  readonly name: string;
  readonly hostname: string;
  readonly pid: number;
  readonly queues: readonly string[];
  readonly concurrency: number;
  readonly running: readonly HeldTry[];
  /** Epoch ms. */
  readonly lastHeartbeat: number;
  readonly startedAt: number;
  readonly state: FleetWorkerState;
}

/** A record's state as the executor judges it: a worker that stopped heartbeating is lost, whatever it last said. */
export function fleetWorkerState(record: WorkerRecord, now: number, workerTimeoutMs: number): FleetWorkerState {
  if (record.state === WorkerState.STOPPED) return FleetWorkerState.STOPPED;
  return workerAlive(record, now, workerTimeoutMs) ? record.state : FleetWorkerState.LOST;
}

/** Every worker registered under an executor's prefix, by name. */
export async function listFleetWorkers(redis: Redis, executor: string, options: CompiledBullMQExecutorOptions, now: number): Promise<FleetWorkerView[]> {
  const records = await readWorkers(redis, options.prefix);
  return records
    .map((r) => ({
      executor,
      name: r.name,
      hostname: r.hostname,
      pid: r.pid,
      queues: r.queues,
      concurrency: r.concurrency,
      running: r.running.map((t) => ({ queue: t.queue, jobId: t.jobId, ti: keyOfJobId(t.jobId) })),
      lastHeartbeat: r.lastHeartbeat,
      startedAt: r.startedAt,
      state: fleetWorkerState(r, now, options.workerTimeoutMs),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
