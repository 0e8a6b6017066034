import type { TaskInstanceKey } from "../common/keys.js";
import type { TaskEvent, Workload } from "../common/workload.js";
import type { ExecutorName } from "../config/executor-names.js";
import type { TaskInstanceRef, TaskLog } from "./types.js";

/**
 * Everything the scheduler may do with an executor. It never reaches into an executor's own
 * state (what is queued, running or buffered): it asks through these calls, so an executor can
 * keep that state wherever its engine does. `BaseExecutor` implements all of it.
 */
export interface SchedulerExecutor {
  readonly name: ExecutorName;
  readonly parallelism: number;
  /**
   * True when a try runs outside the scheduler's process tree (a worker fleet, a pod) and keeps
   * running when the scheduler stops. Then a scheduler that loses its lease releases the tries
   * (`releaseAll`) instead of revoking them, a graceful stop does not wait for them, and the next
   * scheduler adopts them by their external id.
   */
  readonly triesOutliveScheduler: boolean;
  /**
   * An executor made of others (a hybrid, whose Local side's tries die with the scheduler and whose
   * Kubernetes side's do not): its parts, which the scheduler stops or releases each by its own
   * `triesOutliveScheduler` on a lost lease or a graceful stop. Absent: the executor is one part.
   */
  readonly parts?: readonly SchedulerExecutor[];
  readonly slotsAvailable: number;
  readonly slotsOccupied: number;
  queueWorkload(workload: Workload): boolean;
  hasTask(key: TaskInstanceKey): boolean;
  /** Tries this executor holds: queued here or running. */
  heldTries(): TaskInstanceKey[];
  /** Tries this executor vouches are alive right now: the scheduler renews their TI heartbeats. */
  liveTries(): TaskInstanceKey[];
  heartbeat(): Promise<void>;
  getEventBuffer(dagIds?: ReadonlySet<string>): TaskEvent[];
  onEvent(listener: () => void): () => void;
  onTriesLost(listener: (keys: readonly TaskInstanceKey[], reason: string) => void): () => void;
  /** Optional (executors built against an older contract lack it): see BaseExecutor.warmUp. */
  warmUp?(): void;
  start(): Promise<void> | void;
  end(): Promise<void>;
  terminate(): Promise<void> | void;
  tryAdoptTaskInstances(tis: TaskInstanceRef[]): Promise<TaskInstanceRef[]>;
  revokeTask(ti: TaskInstanceRef, reason?: string): Promise<void>;
  releaseAll(): Promise<void> | void;
  renewLease(until: number): void;
  /** The id the try will have in the engine, known before it is sent (stored on the TI when it is queued); null: none. */
  externalIdFor(workload: Workload): string | null;
  getTaskLog(ti: TaskInstanceRef, tryNumber: number): Promise<TaskLog>;
  /** The scheduler job this executor works for: set at start and again when the scheduler rejoins under a new job. */
  setJobId(id: number): void;
}

/** What `SchedulerExecutor` requires beyond the fields: an executor class built against an older contract lacks some. */
export const SCHEDULER_EXECUTOR_METHODS = [
  "queueWorkload",
  "hasTask",
  "heldTries",
  "liveTries",
  "heartbeat",
  "getEventBuffer",
  "onEvent",
  "onTriesLost",
  "start",
  "end",
  "terminate",
  "tryAdoptTaskInstances",
  "revokeTask",
  "releaseAll",
  "renewLease",
  "externalIdFor",
  "getTaskLog",
  "setJobId",
] as const satisfies ReadonlyArray<keyof SchedulerExecutor>;

/** The executors that `executor` is made of (see `parts`), or itself. */
export function partsOf(executor: SchedulerExecutor): readonly SchedulerExecutor[] {
  return executor.parts ?? [executor];
}
