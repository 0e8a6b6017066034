import type { TaskInstanceKey } from "./keys.js";

/**
 * Everything a runner needs to run one try of a task, whatever executor carries it.
 * It is plain JSON so it can cross a process, a Redis queue or a pod's environment.
 */
export interface Workload {
  readonly key: TaskInstanceKey;
  /** Absolute path of the DAG file that defines the task. */
  readonly dagFile: string;
  readonly queue: string;
  readonly pool: string;
  readonly priorityWeight: number;
  readonly executorConfig: Readonly<Record<string, unknown>>;
  /** Per-try secret: reports carrying another token are rejected (try fencing). */
  readonly token: string;
  /** Absolute path of this try's log file. */
  readonly logPath: string;
  /** Bytes the log may grow to before later output is dropped (`[logging] max_task_log_mb`); absent: no limit. */
  readonly maxLogBytes?: number;
  /** Seconds; null means no timeout. */
  readonly timeout: number | null;
  /** The DAG run's logical date, ISO-8601, and its conf. */
  readonly logicalDate: string;
  readonly conf: Readonly<Record<string, unknown>>;
}

/** What executors and runners report about a try. The scheduler alone turns these into TI state. */
export const EventState = {
  QUEUED: "queued",
  RUNNING: "running",
  SUCCESS: "success",
  FAILED: "failed",
} as const;
export type EventState = (typeof EventState)[keyof typeof EventState];

export interface EventInfo {
  pid?: number;
  hostname?: string;
  externalExecutorId?: string;
  /** Epoch milliseconds when the try started / ended, as seen by the runner. */
  startDate?: number;
  endDate?: number;
  /** Why a try failed, one line. */
  error?: string;
  /** Small JSON value returned by an `fn` task. */
  returnValue?: unknown;
  /** True when the failure was a timeout. */
  timedOut?: boolean;
}

export interface TaskEvent {
  readonly key: TaskInstanceKey;
  readonly state: EventState;
  readonly info: EventInfo;
  /**
   * The token of the try that reported (the workload's). The scheduler rejects a report whose
   * token is not the TI's current one. Absent on what the scheduler decides itself (zombies,
   * sweeps), which is not token-checked.
   */
  readonly token?: string;
}
