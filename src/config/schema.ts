import { resolve } from "node:path";
import { z } from "../common/zod.js";
import { DATABASE_URL_FORMS, SCHEMA_NAME_PATTERN, resolveDatabaseUrl } from "./database-url.js";
import { Secret } from "./secret.js";
import type { CoreConfig, DatabaseConfig, LoggingConfig, SchedulerConfig } from "./types.js";

/** How a string from an environment variable is turned into a value before validation. */
export type ValueKind = "integer" | "number" | "boolean" | "string" | "executor-list";

/** One key of a fixed section: its default (as written in switchyard.toml), its validation, and its message text. */
export interface KeySpec<T = unknown> {
  readonly kind: ValueKind;
  /** The default, written as in switchyard.toml; it goes through `schema` like any other value. */
  readonly default: unknown;
  /** Validates a raw value and compiles it (paths made absolute against home). */
  readonly schema: (home: string) => z.ZodType<T>;
  /** What is valid, completing "must be …". */
  readonly expect: string;
  /** What the key means, for messages and docs. */
  readonly meaning: string;
}

type SectionSpec<C> = { readonly [K in keyof C]-?: KeySpec<C[K]> };

const integer = (min: number, dflt: number, meaning: string): KeySpec<number> => ({
  kind: "integer",
  default: dflt,
  schema: () => z.number().int().min(min),
  expect: `an integer >= ${min}`,
  meaning,
});

const seconds = (dflt: number, meaning: string): KeySpec<number> => ({
  kind: "number",
  default: dflt,
  schema: () => z.number().positive(),
  expect: "a number of seconds > 0",
  meaning,
});

const boolean = (dflt: boolean, meaning: string): KeySpec<boolean> => ({
  kind: "boolean",
  default: dflt,
  schema: () => z.boolean(),
  expect: "true or false",
  meaning,
});

const path = (dflt: string, meaning: string): KeySpec<string> => ({
  kind: "string",
  default: dflt,
  schema: (home) => z.string().trim().min(1).transform((p) => resolve(home, p)),
  expect: "a non-empty path (a relative path resolves against $SWITCHYARD_HOME)",
  meaning,
});

/** `"A, b:B"` or `["A", "b:B"]` → trimmed entries; an empty or blank string is no entries. Empty entries are kept. */
export function splitExecutorEntries(value: string | readonly string[]): string[] {
  if (typeof value === "string") return value.trim() === "" ? [] : value.split(",").map((e) => e.trim());
  return value.map((e) => e.trim());
}

/** Relative to $SWITCHYARD_HOME; also what an executor built without a loaded config uses. */
export const DEFAULT_DAGS_FOLDER = "dags";
export const DEFAULT_BASE_LOG_FOLDER = "logs";

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

export const CORE: SectionSpec<CoreConfig> = {
  executor: {
    kind: "executor-list",
    default: "LocalExecutor",
    schema: () => z.union([z.string(), z.array(z.string())]).transform(splitExecutorEntries),
    expect: 'a comma-separated string or an array of strings, e.g. "LocalExecutor,fast:LocalExecutor"',
    meaning: "the executors to start; the first is the default for tasks that name none",
  },
  parallelism: integer(1, 32, "the most task instances queued or running across all executors"),
  dagsFolder: path(DEFAULT_DAGS_FOLDER, "the folder scanned for DAG files"),
  maxActiveTasksPerDag: integer(1, 16, "the default for a DAG's maxActiveTasks: task instances running at once in one DAG run"),
  maxActiveRunsPerDag: integer(1, 16, "the default for a DAG's maxActiveRuns: DAG runs running at once"),
  taskQueuedTimeout: seconds(600, "how long a task instance may stay queued before it is revoked and rescheduled"),
  dagbagImportTimeout: seconds(30, "how long importing one DAG file may take"),
  loadExamples: boolean(false, "load the bundled example DAGs besides dags_folder"),
  dagsArePausedAtCreation: boolean(false, "new DAGs start paused"),
  defaultQueue: {
    kind: "string",
    default: "default",
    schema: () => z.string().trim().min(1),
    expect: "a non-empty string",
    meaning: "the queue of tasks that name none",
  },
  dagParseCache: boolean(true, "reuse a DAG file's parse result while it and the local files it imports are unchanged"),
  dagbagImportMemoryMb: integer(16, 1024, "megabytes of JavaScript heap a DAG parsing process may use; a file that needs more is an import error"),
};

export const DATABASE: SectionSpec<DatabaseConfig> = {
  url: {
    kind: "string",
    default: "sqlite:///./switchyard.db",
    schema: (home) =>
      z.string().transform((url, ctx) => {
        const result = resolveDatabaseUrl(url, home);
        if (result.ok) return Secret.url(result.url);
        ctx.addIssue({ code: "custom", message: result.reason });
        return z.NEVER;
      }),
    expect: `a database URL: ${DATABASE_URL_FORMS}`,
    meaning: "the metadata database",
  },
  poolSize: integer(1, 5, "connections kept open to the database (PostgreSQL)"),
  statementTimeout: integer(0, 30000, "milliseconds a database statement may run; 0 disables the limit"),
  preparedStatements: boolean(true, "run statements as named prepared statements, each parsed once per connection (PostgreSQL; false behind a pooler in transaction mode)"),
  schema: {
    kind: "string",
    default: "public",
    schema: () => z.string().regex(SCHEMA_NAME_PATTERN),
    expect: "a PostgreSQL schema name: 1 to 63 characters from a-z 0-9 _, not starting with a digit or pg_",
    meaning: "the PostgreSQL schema Switchyard's tables live in (ignored for SQLite)",
  },
};

export const SCHEDULER: SectionSpec<SchedulerConfig> = {
  jobHeartbeatSec: seconds(5, "how often the scheduler records its heartbeat"),
  schedulerHealthCheckThreshold: seconds(30, "how long without a heartbeat before a scheduler counts as dead"),
  taskHeartbeatTimeout: seconds(30, "how long without a heartbeat before a running task counts as a zombie"),
  numStuckInQueuedRetries: integer(0, 2, "how often a task instance stuck in queued is requeued before it fails"),
  maxTisPerQuery: integer(1, 512, "the most task instances examined per critical-section pass"),
  idleWakeInterval: seconds(1, "the longest idle wait, a safety net behind the event wake-ups"),
  waitingLogInterval: seconds(300, "how often the scheduler repeats which runs wait on outside action, and why (it logs a change at once)"),
  zombieDetectionInterval: seconds(10, "how often running task instances are checked for a missing heartbeat"),
  orphanedTasksCheckInterval: seconds(10, "how often task instances of dead schedulers are looked for (also at start)"),
  taskQueuedTimeoutCheckInterval: seconds(10, "how often task instances stuck in queued are looked for"),
  standaloneDagProcessor: boolean(false, "the scheduler does not parse DAG files; a separate `switchyard dag-processor` does"),
};

export const LOGGING: SectionSpec<LoggingConfig> = {
  baseLogFolder: path(DEFAULT_BASE_LOG_FOLDER, "the folder task logs are written under"),
  maxTaskLogMb: {
    kind: "number",
    default: 100,
    schema: () => z.number().min(0).finite(),
    expect: "a number of megabytes >= 0 (0: no limit)",
    meaning: "how large one try's log may grow before the runner drops its later output",
  },
  level: {
    kind: "string",
    default: "info",
    schema: () => z.string().transform((s) => s.toLowerCase()).pipe(z.enum(LOG_LEVELS)),
    expect: `one of ${LOG_LEVELS.join(", ")}`,
    meaning: "the least severe log level written",
  },
};

/** The fixed sections, in the order `config list` shows them. */
export const SECTIONS = { core: CORE, database: DATABASE, scheduler: SCHEDULER, logging: LOGGING } as const;
export type SectionName = keyof typeof SECTIONS;
export const SECTION_NAMES = Object.keys(SECTIONS) as SectionName[];

/** `[executors.<name>]` tables live under this top-level key. */
export const EXECUTORS_SECTION = "executors";

/** A key of a fixed section: its snake_case name in TOML and its camelCase field in the compiled config. */
export interface KeyInfo {
  readonly section: SectionName;
  readonly key: string;
  readonly field: string;
  readonly spec: KeySpec;
}

const snakeCase = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const KEYS: ReadonlyMap<SectionName, readonly KeyInfo[]> = new Map(
  SECTION_NAMES.map((section) => [
    section,
    Object.entries(SECTIONS[section] as Record<string, KeySpec>).map(([field, spec]) => ({
      section,
      key: snakeCase(field),
      field,
      spec,
    })),
  ]),
);

export function isSectionName(name: string): name is SectionName {
  return Object.hasOwn(SECTIONS, name);
}

/** The keys of a section, in declaration order. */
export function keysOf(section: SectionName): readonly KeyInfo[] {
  return KEYS.get(section)!;
}

export function keyInfo(section: SectionName, key: string): KeyInfo | undefined {
  return keysOf(section).find((k) => k.key === key);
}

/** `[core] parallelism` */
export function label(section: string, key: string): string {
  return `[${section}] ${key}`;
}
