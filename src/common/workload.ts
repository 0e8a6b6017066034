import path from "node:path";
import { SwitchyardError } from "./errors.js";
import { EXAMPLE_DAGS_FOLDER } from "./example-dags.js";
import type { TaskInstanceKey } from "./keys.js";

/**
 * Everything a runner needs to run one try of a task, whatever executor carries it.
 * It is plain JSON so it can cross a process, a Redis queue or a pod's environment.
 */
export interface Workload {
  readonly key: TaskInstanceKey;
  /**
   * The DAG file that defines the task, relative to the dags folder of whoever runs the try (POSIX
   * separators), so a worker with its own copy of the DAGs finds it; `@examples/…` names a bundled
   * example DAG. Resolve it with `resolveDagFile`.
   */
  readonly dagFile: string;
  readonly queue: string;
  readonly pool: string;
  readonly priorityWeight: number;
  readonly executorConfig: Readonly<Record<string, unknown>>;
  /** Per-try secret: reports carrying another token are rejected (try fencing). */
  readonly token: string;
  /**
   * This try's log file relative to the base log folder of the machine that runs it (POSIX
   * separators); that machine joins it with its own `[logging] base_log_folder` (`tryLogFile`).
   */
  readonly logRelativePath: string;
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
  /** The fleet worker (`switchyard worker --name`) running the try, when one does. */
  worker?: string;
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

/** Where the runner of a try finds DAG files and writes logs: its own host's folders, absolute. */
export interface RunnerFolders {
  /** `[core] dags_folder` of the scheduler (LocalExecutor) or of the worker that runs the try. */
  readonly dagsFolder: string;
  /** `[logging] base_log_folder` of that same host. */
  readonly baseLogFolder: string;
}

/** The prefix of a `Workload.dagFile` that names a bundled example DAG rather than one in the dags folder. */
const EXAMPLES_PREFIX = "@examples/";

/** A workload's path that would leave its folder, or that is not relative: the runner refuses it. */
export class WorkloadPathError extends SwitchyardError {
  constructor(message: string) {
    super("WORKLOAD_PATH", message);
  }
}

/** `relative` joined under `folder`; throws WorkloadPathError for an absolute path or one that climbs out with `..`. */
function under(folder: string, relative: string, what: string): string {
  if (relative === "" || path.posix.isAbsolute(relative) || path.win32.isAbsolute(relative)) {
    throw new WorkloadPathError(`${what} ${JSON.stringify(relative)} must be a path relative to ${folder} (it is ${relative === "" ? "empty" : "absolute"})`);
  }
  const parts = relative.split(/[\\/]/);
  if (parts.includes("..")) {
    throw new WorkloadPathError(`${what} ${JSON.stringify(relative)} climbs out of ${folder} with ".."; it must stay inside that folder`);
  }
  return path.join(folder, ...parts);
}

/**
 * The absolute path of a workload's DAG file on this host: `relative` under `dagsFolder` (or under
 * the bundled examples for `@examples/…`). Rejects absolute paths and `..` escapes with a clear error.
 */
export function resolveDagFile(dagsFolder: string, relative: string): string {
  if (relative.startsWith(EXAMPLES_PREFIX)) return under(EXAMPLE_DAGS_FOLDER, relative.slice(EXAMPLES_PREFIX.length), "the example DAG file");
  return under(dagsFolder, relative, "the DAG file");
}

/**
 * How a workload names a DAG file the scheduler parsed at `absolute`: relative to `dagsFolder`, or
 * `@examples/…` for a bundled example. A file outside both keeps its `..` path, which every runner
 * refuses with a clear error on the TI (a stale DAG row after `dags_folder` moved), rather than a
 * scheduler that cannot queue anything.
 */
export function relativeDagFile(dagsFolder: string, absolute: string): string {
  const inside = (folder: string) => {
    const rel = path.relative(folder, absolute);
    return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel.split(path.sep).join("/") : null;
  };
  const rel = inside(dagsFolder);
  if (rel !== null) return rel;
  const example = inside(EXAMPLE_DAGS_FOLDER);
  if (example !== null) return `${EXAMPLES_PREFIX}${example}`;
  return path.relative(dagsFolder, absolute).split(path.sep).join("/");
}

/** The absolute path of a try's log on this host. Throws WorkloadPathError if the relative path escapes. */
export function tryLogFile(baseLogFolder: string, workload: Pick<Workload, "logRelativePath">): string {
  return under(baseLogFolder, workload.logRelativePath, "the try's log path");
}
