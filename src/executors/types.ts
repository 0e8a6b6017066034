import type { TaskInstanceKey } from "../common/keys.js";
import type { RunnerFolders } from "../common/workload.js";
import type { ExecutorName } from "../config/executor-names.js";

/** What an executor gets to know about a task instance it is asked to adopt or revoke. */
export interface TaskInstanceRef {
  readonly key: TaskInstanceKey;
  readonly state: string;
  /** What the executor reported in its queued/running events (e.g. a job id), if anything. */
  readonly externalExecutorId: string | null;
  readonly queue: string;
  readonly pid: number | null;
  readonly hostname: string | null;
}

/** Where an executor's diagnostics go. pino loggers fit; the default writes warnings to stderr. */
export interface ExecutorLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Everything an executor's constructor receives. */
export interface ExecutorContext {
  readonly name: ExecutorName;
  /** The raw `[executors.<alias or ClassName>]` section; each executor validates its own keys. */
  readonly options: Readonly<Record<string, unknown>>;
  /** `[core] parallelism`: the default for executors that have a parallelism of their own. */
  readonly defaultParallelism: number;
  /**
   * `[core] dagbag_import_timeout`, seconds: how long importing one DAG file may take. A runner
   * that is importing one for a try may be silent that long before it counts as blocked.
   * @defaultValue 30
   */
  readonly dagImportTimeout?: number;
  /** $SWITCHYARD_HOME, absolute. */
  readonly home: string;
  /**
   * Where tries started on this host find DAG files and write logs (`[core] dags_folder`,
   * `[logging] base_log_folder`). @defaultValue `<home>/dags` and `<home>/logs`, the config defaults
   */
  readonly folders?: RunnerFolders;
  /** @defaultValue debug lines on NODE_DEBUG=switchyard, warnings and errors on stderr */
  readonly logger?: ExecutorLogger;
}

/** Lines of a try's log as an executor can fetch them (remote executors); local logs are files. */
export interface TaskLog {
  /** Where the lines came from, or why there are none. */
  readonly messages: string[];
  readonly lines: string[];
  /**
   * Set when the log could not be read at all (its engine did not answer), as opposed to there
   * being none yet: `tasks logs` then fails instead of printing nothing for a running try.
   */
  readonly error?: string;
}
