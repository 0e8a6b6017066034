import { errorLine } from "../common/errors.js";
import { BUILTIN_EXECUTORS, builtinExecutor } from "../config/builtin-executors.js";
import { lookupExecutorName, parseExecutorNames, type ExecutorName } from "../config/executor-names.js";
import { runnerFoldersOf } from "../config/runner-folders.js";
import type { SwitchyardConfig } from "../config/types.js";
import { importLocalModule } from "../dag/loader.js";
import type { BaseExecutor } from "./base.js";
import { isExecutorClass, type ExecutorClass } from "./brand.js";
import {
  ExecutorExportMissingError,
  ExecutorInitError,
  ExecutorModuleLoadError,
  ExecutorNotAClassError,
  ExecutorNotAvailableError,
} from "./errors.js";
import { SCHEDULER_EXECUTOR_METHODS } from "./scheduler-executor.js";
import type { ExecutorContext, ExecutorLogger } from "./types.js";

/** The executors of one scheduler, created from `[core] executor`. */
export interface ExecutorSet {
  /** In configuration order. */
  readonly all: BaseExecutor[];
  /** The first configured: runs tasks that name no executor. */
  readonly default: BaseExecutor;
  readonly names: ExecutorName[];
  /**
   * The executor a task instance's `executor` field names: null → the default; otherwise by
   * alias, then module path, then class name. Undefined when nothing configured matches.
   */
  lookup(nameFromTi: string | null): BaseExecutor | undefined;
}

export interface LoadExecutorsOptions {
  /** A logger per executor. @defaultValue stderr for warnings, NODE_DEBUG=switchyard for debug */
  logger?: (name: ExecutorName) => ExecutorLogger;
}

/**
 * Create every configured executor (not started: the scheduler calls `start()`). Custom
 * executors are imported from their module path; every failure has its own error class and says
 * which entry, which module and what would be valid.
 */
export async function loadExecutors(config: SwitchyardConfig, opts: LoadExecutorsOptions = {}): Promise<ExecutorSet> {
  const names = parseExecutorNames(config.core.executor, config.home);
  const all: BaseExecutor[] = [];
  for (const name of names) {
    const cls = await loadExecutorClass(name);
    const logger = opts.logger?.(name);
    const context: ExecutorContext = {
      name,
      options: config.executors[name.name] ?? {},
      defaultParallelism: config.core.parallelism,
      dagImportTimeout: config.core.dagbagImportTimeout,
      home: config.home,
      folders: runnerFoldersOf(config),
      ...(logger !== undefined ? { logger } : {}),
    };
    all.push(instantiate(cls, context));
  }
  const byName = new Map(names.map((name, i) => [name, all[i] as BaseExecutor]));
  const fallback = all[0] as BaseExecutor; // parseExecutorNames rejects an empty list
  return {
    all,
    default: fallback,
    names,
    lookup(nameFromTi) {
      if (nameFromTi === null) return fallback;
      const name = lookupExecutorName(names, nameFromTi);
      return name === undefined ? undefined : byName.get(name);
    },
  };
}

/** The class a parsed `[core] executor` entry names: a built-in, or a custom module's export. */
export async function loadExecutorClass(name: ExecutorName): Promise<ExecutorClass> {
  if (name.modulePath === null) {
    const builtin = builtinExecutor(name.className);
    if (builtin === undefined) {
      throw new ExecutorNotAvailableError(
        name.name,
        `[core] executor entry "${name.raw}": ${name.className} is not available in this build; ` +
          `built-ins: ${BUILTIN_EXECUTORS.join(", ")}`,
      );
    }
    return builtin.loadClass();
  }
  return loadCustomExecutorClass(name, name.modulePath);
}

async function loadCustomExecutorClass(name: ExecutorName, modulePath: string): Promise<ExecutorClass> {
  const where = `[core] executor entry "${name.raw}"`;
  const shown = name.modulePathAsWritten !== null && name.modulePathAsWritten !== modulePath
    ? `${name.modulePathAsWritten} (${modulePath})`
    : modulePath;
  let namespace: Record<string, unknown>;
  try {
    // Same loader as DAG files: .ts modules load as ES modules, and `import … from "@switchyard/core"` resolves to us.
    namespace = await importLocalModule(modulePath);
  } catch (error) {
    throw new ExecutorModuleLoadError(name.name, modulePath, `${where}: module ${shown} could not be loaded: ${errorLine(error)}`, error);
  }
  const exportName = name.className;
  const exports = Object.keys(namespace);
  if (!(exportName in namespace)) {
    const candidates = exports.filter((key) => isExecutorClass(namespace[key]));
    const hint = candidates.length > 0 ? `; executor classes in it: ${candidates.join(", ")} (write #${candidates[0]})` : "";
    throw new ExecutorExportMissingError(
      name.name,
      modulePath,
      exportName,
      exports,
      `${where}: module ${shown} has no export "${exportName}"; its exports: ${exports.join(", ") || "none"}${hint}`,
    );
  }
  const value = namespace[exportName];
  if (!isExecutorClass(value)) {
    throw new ExecutorNotAClassError(
      name.name,
      modulePath,
      exportName,
      `${where}: export "${exportName}" of ${shown} is ${describeExport(value)}, not an executor class; ` +
        `export a class that extends BaseExecutor from "@switchyard/core"`,
    );
  }
  return value;
}

function instantiate(cls: ExecutorClass, context: ExecutorContext): BaseExecutor {
  let executor: BaseExecutor;
  try {
    executor = new cls(context);
  } catch (error) {
    if (isSwitchyardError(error)) throw error; // already says what is wrong and what is valid

    throw new ExecutorInitError(
      context.name.name,
      `executor "${context.name.name}" (${context.name.raw}) could not be created: ${errorLine(error)}`,
      error,
    );
  }
  // A class that extends another copy of BaseExecutor (the brand matches) may be built against an older contract.
  const missing = SCHEDULER_EXECUTOR_METHODS.filter((method) => typeof (executor as unknown as Record<string, unknown>)[method] !== "function");
  if (missing.length > 0) {
    throw new ExecutorInitError(
      context.name.name,
      `executor "${context.name.name}" (${context.name.raw}) lacks ${missing.join(", ")} of the executor contract: ` +
        `it extends a BaseExecutor from an older @switchyard/core; build it against this version`,
      undefined,
    );
  }
  return executor;
}

/** By class name along the prototype chain: the error may come from another copy of this package. */
function isSwitchyardError(error: unknown): boolean {
  for (let proto: unknown = error; proto !== null && typeof proto === "object"; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: unknown } }).constructor?.name === "SwitchyardError") return true;
  }
  return false;
}

function describeExport(value: unknown): string {
  if (typeof value === "function") {
    return /^class[\s{]/.test(Function.prototype.toString.call(value)) ? `a class that does not extend BaseExecutor` : "a function";
  }
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
