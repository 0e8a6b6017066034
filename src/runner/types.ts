import type { EventInfo, RunnerFolders } from "../common/workload.js";

export type TryTerminalState = "success" | "failed";

/** Around the synchronous call of an fn task's function: the only code of a try that can block a runner before it yields. */
export type FnSlicePhase = "calling" | "returned";

/**
 * How a runner reports a try: `running` once the task code has started (with the pid that runs
 * it), then `finished` once. Every executor ends in this contract; it may forward the reports
 * to its event buffer directly, over IPC, or through a queue.
 */
export interface TryReporter {
  running(info: EventInfo): void | Promise<void>;
  finished(state: TryTerminalState, info: EventInfo): void | Promise<void>;
}

export interface TryOutcome {
  readonly state: TryTerminalState;
  readonly info: EventInfo;
}

export interface RunTaskTryOptions {
  /** This host's dags folder and base log folder: the workload's relative paths are resolved under them. */
  folders: RunnerFolders;
  /** Aborting it kills the try (bash: its process group; fn: ctx.signal) and fails it with "killed", or the message of a TryStoppedError given as the abort reason. */
  signal?: AbortSignal;
  /** Milliseconds between SIGTERM and SIGKILL of a bash try's process group. @defaultValue KILL_GRACE_MS (5000) */
  killGraceMs?: number;
  /** Called just before an fn task's function is called, and once it has returned from that synchronous call (its first slice is over). */
  onFnSlice?: (phase: FnSlicePhase) => void;
}
