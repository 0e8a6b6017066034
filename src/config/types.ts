import type { Secret } from "./secret.js";

/** The compiled configuration: defaults filled, values validated, relative paths made absolute. */
export interface SwitchyardConfig {
  /** $SWITCHYARD_HOME, absolute. */
  readonly home: string;
  /** The config file read, or null when none exists. */
  readonly configFile: string | null;
  readonly core: CoreConfig;
  readonly database: DatabaseConfig;
  readonly scheduler: SchedulerConfig;
  readonly logging: LoggingConfig;
  /** `[executors.<alias or ClassName>]` sections, raw: each executor validates its own. */
  readonly executors: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface CoreConfig {
  /** The executor entries, in order; the first is the default. */
  readonly executor: readonly string[];
  /** Most TIs queued or running across all executors (per scheduler). @defaultValue 32 */
  readonly parallelism: number;
  /** Absolute. @defaultValue "<home>/dags" */
  readonly dagsFolder: string;
  /** @defaultValue 16 */
  readonly maxActiveTasksPerDag: number;
  /** @defaultValue 16 */
  readonly maxActiveRunsPerDag: number;
  /** Seconds a TI may stay queued before it is revoked. @defaultValue 600 */
  readonly taskQueuedTimeout: number;
  /** Seconds a DAG file may take to import. @defaultValue 30 */
  readonly dagbagImportTimeout: number;
  /** Load the bundled example DAGs besides dags_folder. @defaultValue false */
  readonly loadExamples: boolean;
  /** New DAGs start paused. @defaultValue false */
  readonly dagsArePausedAtCreation: boolean;
  /** @defaultValue "default" */
  readonly defaultQueue: string;
  /** `[core] dag_parse_cache`: see docs/installation.md. */
  readonly dagParseCache: boolean;
  /** Megabytes of JavaScript heap a DAG parsing process may use; a file that needs more is an import error. @defaultValue 1024 */
  readonly dagbagImportMemoryMb: number;
}

export interface DatabaseConfig {
  /**
   * `sqlite:///relative/or/absolute.db` (made absolute), `sqlite://:memory:` or `postgresql://…`; a Secret,
   * because a PostgreSQL URL may carry a password: it prints masked, the store calls reveal().
   * @defaultValue "sqlite:///./switchyard.db"
   */
  readonly url: Secret;
  /** @defaultValue 5 */
  readonly poolSize: number;
  /** Milliseconds; 0 disables. @defaultValue 30000 */
  readonly statementTimeout: number;
  /** PostgreSQL: statements with parameters run as named prepared statements. @defaultValue true */
  readonly preparedStatements: boolean;
  /** PostgreSQL only: the schema holding Switchyard's tables (search_path of every connection). @defaultValue "public" */
  readonly schema: string;
}

export interface SchedulerConfig {
  /** Seconds between scheduler job heartbeats. @defaultValue 5 */
  readonly jobHeartbeatSec: number;
  /** Seconds without a heartbeat after which a scheduler is dead. @defaultValue 30 */
  readonly schedulerHealthCheckThreshold: number;
  /** Seconds without a heartbeat after which a running task is a zombie. @defaultValue 30 */
  readonly taskHeartbeatTimeout: number;
  /** @defaultValue 2 */
  readonly numStuckInQueuedRetries: number;
  /** Most TIs examined per critical-section pass. @defaultValue 512 */
  readonly maxTisPerQuery: number;
  /** Longest idle wait in seconds, a safety net behind the event wake-ups. @defaultValue 1 */
  readonly idleWakeInterval: number;
  /** Seconds between repeats of the log of runs waiting on outside action (a change is logged at once). @defaultValue 300 */
  readonly waitingLogInterval: number;
  /** Seconds between zombie checks. @defaultValue 10 */
  readonly zombieDetectionInterval: number;
  /** Seconds between checks for TIs of dead schedulers (also run at start). @defaultValue 10 */
  readonly orphanedTasksCheckInterval: number;
  /** Seconds between checks for TIs stuck in queued. @defaultValue 10 */
  readonly taskQueuedTimeoutCheckInterval: number;
  /** The scheduler does not parse DAG files: a `switchyard dag-processor` does. @defaultValue false */
  readonly standaloneDagProcessor: boolean;
}

export interface LoggingConfig {
  /** Absolute. @defaultValue "<home>/logs" */
  readonly baseLogFolder: string;
  /** Megabytes a try's log may grow to; the runner drops later output and says so. 0: no limit. @defaultValue 100 */
  readonly maxTaskLogMb: number;
  /** @defaultValue "info" */
  readonly level: "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
}
