import { SwitchyardError } from "../common/errors.js";

/** Codes of configuration problems. A `ConfigError` carries one code per problem. */
export const ConfigErrorCode = {
  /** The config file exists but cannot be read. */
  READ: "CONFIG_READ",
  /** The config file is not valid TOML. */
  SYNTAX: "CONFIG_SYNTAX",
  UNKNOWN_SECTION: "CONFIG_UNKNOWN_SECTION",
  UNKNOWN_KEY: "CONFIG_UNKNOWN_KEY",
  INVALID_VALUE: "CONFIG_INVALID_VALUE",
  /** A `SWITCHYARD__…` variable whose name does not have the form `SWITCHYARD__<SECTION>__<KEY>`. */
  ENV_NAME: "CONFIG_ENV_NAME",
  /** An `[executors.<name>]` section whose name is not a configured executor. */
  UNKNOWN_EXECUTOR_SECTION: "CONFIG_UNKNOWN_EXECUTOR_SECTION",
  /** Several problems of different kinds (each problem keeps its own code). */
  MULTIPLE: "CONFIG_INVALID",
} as const;

/** Codes of problems in the `[core] executor` entries (see executor-names.ts). */
export const ExecutorConfigErrorCode = {
  NONE: "CONFIG_EXECUTOR_NONE",
  EMPTY_ENTRY: "CONFIG_EXECUTOR_EMPTY_ENTRY",
  TOO_MANY_COLONS: "CONFIG_EXECUTOR_TOO_MANY_COLONS",
  EMPTY_ALIAS: "CONFIG_EXECUTOR_EMPTY_ALIAS",
  EMPTY_TARGET: "CONFIG_EXECUTOR_EMPTY_TARGET",
  INVALID_ALIAS: "CONFIG_EXECUTOR_INVALID_ALIAS",
  ALIAS_RESERVED: "CONFIG_EXECUTOR_ALIAS_RESERVED",
  ALIAS_REQUIRED: "CONFIG_EXECUTOR_ALIAS_REQUIRED",
  INVALID_EXPORT: "CONFIG_EXECUTOR_INVALID_EXPORT",
  UNKNOWN: "CONFIG_EXECUTOR_UNKNOWN",
  AIRFLOW_ONLY: "CONFIG_EXECUTOR_AIRFLOW_ONLY",
  NOT_IN_BUILD: "CONFIG_EXECUTOR_NOT_IN_BUILD",
  DUPLICATE_ALIAS: "CONFIG_EXECUTOR_DUPLICATE_ALIAS",
  DUPLICATE_CLASS: "CONFIG_EXECUTOR_DUPLICATE_CLASS",
  DUPLICATE_MODULE: "CONFIG_EXECUTOR_DUPLICATE_MODULE",
} as const;

export type ConfigErrorCode =
  | (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode]
  | (typeof ExecutorConfigErrorCode)[keyof typeof ExecutorConfigErrorCode];

/** One thing wrong with the configuration; a `ConfigError` reports one line per problem. */
export interface ConfigProblem {
  readonly code: ConfigErrorCode;
  /** What is wrong, e.g. `[core] parallelism = 0` or `/home/x/switchyard.toml:3:7`. */
  readonly subject: string;
  /** Why, and what would be valid. */
  readonly detail: string;
  /** The config file the value came from. */
  readonly file?: string;
  /** The environment variable the value came from. */
  readonly envVar?: string;
}

/** `subject (in file | from VAR): detail` — one line (a syntax error adds the parser's code excerpt below). */
export function formatProblem(problem: ConfigProblem): string {
  const origin = problem.envVar ? ` (from ${problem.envVar})` : problem.file ? ` (in ${problem.file})` : "";
  return `${problem.subject}${origin}: ${problem.detail}`;
}

/** Every configuration problem found in one load, reported together, one per line. */
export class ConfigError extends SwitchyardError {
  declare readonly code: ConfigErrorCode;
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], options?: { cause?: unknown }) {
    if (problems.length === 0) throw new TypeError("ConfigError needs at least one problem");
    const codes = new Set(problems.map((p) => p.code));
    const code = codes.size === 1 ? problems[0]!.code : ConfigErrorCode.MULTIPLE;
    super(code, problems.map(formatProblem).join("\n"), options);
    this.problems = Object.freeze([...problems]);
  }
}

/** Problems in the `[core] executor` entries (parseExecutorNames). */
export class ExecutorConfigError extends ConfigError {}

const EXECUTOR_CODES: ReadonlySet<string> = new Set(Object.values(ExecutorConfigErrorCode));

export function isExecutorProblem(problem: ConfigProblem): boolean {
  return EXECUTOR_CODES.has(problem.code);
}
