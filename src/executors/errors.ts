import { SwitchyardError } from "../common/errors.js";

/** An executor's settings are invalid (`[executors.<name>]` section, or its parallelism). */
export class ExecutorOptionsError extends SwitchyardError {
  declare readonly code: "EXECUTOR_OPTIONS";
  /** Alias or class name of the executor. */
  readonly executor: string;
  /** The offending key of `[executors.<name>]`, when there is one. */
  readonly key: string | null;
  constructor(executor: string, key: string | null, message: string) {
    super("EXECUTOR_OPTIONS", message);
    this.executor = executor;
    this.key = key;
  }
}

/** A custom executor's module could not be imported. */
export class ExecutorModuleLoadError extends SwitchyardError {
  declare readonly code: "EXECUTOR_MODULE_LOAD";
  readonly executor: string;
  readonly modulePath: string;
  constructor(executor: string, modulePath: string, message: string, cause: unknown) {
    super("EXECUTOR_MODULE_LOAD", message, { cause });
    this.executor = executor;
    this.modulePath = modulePath;
  }
}

/** A custom executor's module loads but has no export of the configured name. */
export class ExecutorExportMissingError extends SwitchyardError {
  declare readonly code: "EXECUTOR_EXPORT_MISSING";
  readonly executor: string;
  readonly modulePath: string;
  readonly exportName: string;
  readonly availableExports: readonly string[];
  constructor(executor: string, modulePath: string, exportName: string, availableExports: readonly string[], message: string) {
    super("EXECUTOR_EXPORT_MISSING", message);
    this.executor = executor;
    this.modulePath = modulePath;
    this.exportName = exportName;
    this.availableExports = availableExports;
  }
}

/** The configured export exists but is not a class extending BaseExecutor. */
export class ExecutorNotAClassError extends SwitchyardError {
  declare readonly code: "EXECUTOR_NOT_A_CLASS";
  readonly executor: string;
  readonly modulePath: string;
  readonly exportName: string;
  constructor(executor: string, modulePath: string, exportName: string, message: string) {
    super("EXECUTOR_NOT_A_CLASS", message);
    this.executor = executor;
    this.modulePath = modulePath;
    this.exportName = exportName;
  }
}

/** A built-in executor name whose implementation this build does not include. */
export class ExecutorNotAvailableError extends SwitchyardError {
  declare readonly code: "EXECUTOR_NOT_AVAILABLE";
  readonly executor: string;
  constructor(executor: string, message: string) {
    super("EXECUTOR_NOT_AVAILABLE", message);
    this.executor = executor;
  }
}

/** An executor's constructor failed with something other than a Switchyard error. */
export class ExecutorInitError extends SwitchyardError {
  declare readonly code: "EXECUTOR_INIT";
  readonly executor: string;
  constructor(executor: string, message: string, cause: unknown) {
    super("EXECUTOR_INIT", message, { cause });
    this.executor = executor;
  }
}

/** A workload's `executorConfig` asks for something this executor cannot do; fails that try only. */
export class InvalidExecutorConfigError extends SwitchyardError {
  declare readonly code: "INVALID_EXECUTOR_CONFIG";
  readonly executor: string;
  readonly key: string;
  constructor(executor: string, key: string, message: string) {
    super("INVALID_EXECUTOR_CONFIG", message);
    this.executor = executor;
    this.key = key;
  }
}
