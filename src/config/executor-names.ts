import { normalize, resolve } from "node:path";
import { BUILTIN_EXECUTORS } from "./builtin-executors.js";
import { ConfigError, ConfigErrorCode, ExecutorConfigError, ExecutorConfigErrorCode, type ConfigProblem } from "./errors.js";
import { EXECUTORS_SECTION } from "./schema.js";
import { originOf } from "./sources.js";
import { didYouMean, renderValue } from "./text.js";
import type { SwitchyardConfig } from "./types.js";

export { BUILTIN_EXECUTORS, type BuiltinExecutor } from "./builtin-executors.js";

/** Built-ins planned but not in this build: the message says so instead of "unknown". */
const PLANNED_EXECUTORS = ["BullMQExecutor", "KubernetesExecutor"].filter(
  (name) => !(BUILTIN_EXECUTORS as readonly string[]).includes(name),
);

const ENTRY_FORMS = "ClassName, alias:ClassName or alias:./path/to/module.js#ExportName";
const CUSTOM_FORM = "alias:./path/to/module.js#ExportName";

/** What this build offers instead of an engine it lacks. */
const INSTEAD_OF_A_FLEET =
  "use BullMQExecutor (Redis) with `switchyard worker` processes on each machine (docs/executors/bullmq.md), " +
  `or LocalExecutor on one machine, or a custom executor, ${CUSTOM_FORM}`;
const INSTEAD_OF_CELERY_KUBERNETES =
  "use BullMQKubernetesExecutor (a BullMQExecutor and a KubernetesExecutor routed by queue, docs/executors/hybrid.md), " +
  "or better, list both in [core] executor and set `executor` per task (multi-executor), e.g. fleet:BullMQExecutor,k8s:KubernetesExecutor";

/** Airflow executors with no engine here, and what to use instead. */
const AIRFLOW_ONLY_EXECUTORS: Readonly<Record<string, string>> = {
  CeleryExecutor: INSTEAD_OF_A_FLEET,
  DaskExecutor: INSTEAD_OF_A_FLEET,
  DebugExecutor: "use SequentialExecutor",
  CeleryKubernetesExecutor: INSTEAD_OF_CELERY_KUBERNETES,
};

/** Aliases may not be an executor class name (compared ignoring case), so a name always means one thing. */
const RESERVED_ALIASES: ReadonlySet<string> = new Set(
  [...BUILTIN_EXECUTORS, ...PLANNED_EXECUTORS, ...Object.keys(AIRFLOW_ONLY_EXECUTORS)].map((n) => n.toLowerCase()),
);

const BUILTINS_TEXT = `Built-ins: ${BUILTIN_EXECUTORS.join(", ")}`;
const ALIAS = /^[A-Za-z0-9_-]+$/;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const MODULE_FILE = /\.[cm]?[jt]s$/;
const PYTHON_IMPORT_PATH = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$/;

/** One parsed `[core] executor` entry. */
export interface ExecutorName {
  /** The entry as written. */
  readonly raw: string;
  readonly alias: string | null;
  /** The built-in class name, or the export of a custom module ("default" when no #Export is given). */
  readonly className: string;
  /** Custom executors: the module's absolute path (resolved against home); null for built-ins. */
  readonly modulePath: string | null;
  readonly modulePathAsWritten: string | null;
  /** alias ?? className: the key used in [executors.<name>] and in TI.executor. */
  readonly name: string;
}

/** A path as custom-executor entries write it: `./`, `../` or `/` first. */
function isModulePath(s: string): boolean {
  return s.startsWith("./") || s.startsWith("../") || s.startsWith("/");
}

function ignoringCase(table: Readonly<Record<string, string>> | readonly string[], s: string): string | undefined {
  const names = Array.isArray(table) ? table : Object.keys(table);
  return names.find((n) => n.toLowerCase() === s.toLowerCase());
}

/**
 * Parse the `[core] executor` entries (already split on commas). Reports every problem at once.
 * @throws ExecutorConfigError
 */
export function parseExecutorNames(entries: readonly string[], home: string): ExecutorName[] {
  const trimmed = entries.map((e) => e.trim());
  const whole = `[core] executor = ${renderValue(trimmed.join(","))}`;
  if (trimmed.every((e) => e === "")) {
    throw new ExecutorConfigError([
      {
        code: ExecutorConfigErrorCode.NONE,
        subject: whole,
        detail: `no executor configured; name at least one (the first is the default), e.g. executor = "LocalExecutor". ${BUILTINS_TEXT}`,
      },
    ]);
  }
  const problems: ConfigProblem[] = [];
  const parsed: Array<{ position: number; name: ExecutorName }> = [];
  trimmed.forEach((entry, i) => {
    const result =
      entry === ""
        ? {
            code: ExecutorConfigErrorCode.EMPTY_ENTRY,
            subject: whole,
            detail: `entry ${i + 1} is empty (two commas in a row, or a comma at the start or end); remove it`,
          }
        : parseEntry(entry, i + 1, home);
    if ("code" in result) problems.push(result);
    else parsed.push({ position: i + 1, name: result });
  });
  problems.push(...duplicateProblems(parsed));
  if (problems.length > 0) throw new ExecutorConfigError(problems);
  return parsed.map((p) => p.name);
}

function parseEntry(raw: string, position: number, home: string): ExecutorName | ConfigProblem {
  const subject = `[core] executor entry ${position} ${JSON.stringify(raw)}`;
  const problem = (code: ConfigProblem["code"], detail: string): ConfigProblem => ({ code, subject, detail });
  const parts = raw.split(":").map((p) => p.trim());
  if (parts.length > 2) return problem(ExecutorConfigErrorCode.TOO_MANY_COLONS, `has more than one ":"; an entry is ${ENTRY_FORMS}`);
  const [alias, target] = parts.length === 2 ? [parts[0]!, parts[1]!] : [null, parts[0]!];
  if (alias !== null) {
    if (alias === "") {
      return problem(ExecutorConfigErrorCode.EMPTY_ALIAS, `has an empty alias before ":"; write myalias:${target}, or just ${target}`);
    }
    if (target === "") {
      return problem(
        ExecutorConfigErrorCode.EMPTY_TARGET,
        `names no executor after "${alias}:"; write ${alias}:LocalExecutor or ${alias}:./path/to/module.js#ExportName`,
      );
    }
    if (!ALIAS.test(alias)) {
      return problem(
        ExecutorConfigErrorCode.INVALID_ALIAS,
        `alias ${JSON.stringify(alias)} may only contain letters, digits, "_" and "-" (it names the [executors.<alias>] section and SWITCHYARD__EXECUTORS__<ALIAS>__<KEY> variables)`,
      );
    }
    if (RESERVED_ALIASES.has(alias.toLowerCase())) {
      return problem(
        ExecutorConfigErrorCode.ALIAS_RESERVED,
        `the alias "${alias}" is an executor class name; choose another alias (e.g. fast:${target}) so each name means one executor`,
      );
    }
  }
  return classify(target, alias, raw, home, problem);
}

function classify(
  target: string,
  alias: string | null,
  raw: string,
  home: string,
  problem: (code: ConfigProblem["code"], detail: string) => ConfigProblem,
): ExecutorName | ConfigProblem {
  if ((BUILTIN_EXECUTORS as readonly string[]).includes(target)) {
    return Object.freeze({ raw, alias, className: target, modulePath: null, modulePathAsWritten: null, name: alias ?? target });
  }
  if (isModulePath(target)) {
    if (alias === null) {
      return problem(ExecutorConfigErrorCode.ALIAS_REQUIRED, `is a module path; a custom executor needs an alias: myexec:${target}`);
    }
    const hash = target.indexOf("#");
    const path = hash < 0 ? target : target.slice(0, hash);
    const exportName = hash < 0 ? "default" : target.slice(hash + 1);
    if (!IDENTIFIER.test(exportName)) {
      return problem(
        ExecutorConfigErrorCode.INVALID_EXPORT,
        `${JSON.stringify(`#${exportName}`)} is not an export name; write #ExportName (a JavaScript identifier), or leave it out for the default export`,
      );
    }
    return Object.freeze({ raw, alias, className: exportName, modulePath: resolve(home, path), modulePathAsWritten: path, name: alias });
  }
  const airflow = ignoringCase(AIRFLOW_ONLY_EXECUTORS, target);
  if (airflow !== undefined) {
    return problem(ExecutorConfigErrorCode.AIRFLOW_ONLY, `${airflow} is Airflow's and has no engine in Switchyard: ${AIRFLOW_ONLY_EXECUTORS[airflow]}`);
  }
  const planned = ignoringCase(PLANNED_EXECUTORS, target);
  if (planned !== undefined) {
    return problem(ExecutorConfigErrorCode.NOT_IN_BUILD, `${planned} is not available in this build. ${BUILTINS_TEXT}`);
  }
  const myAlias = alias ?? "myexec";
  if (PYTHON_IMPORT_PATH.test(target) && !MODULE_FILE.test(target)) {
    const last = target.slice(target.lastIndexOf(".") + 1);
    const builtin = ignoringCase(BUILTIN_EXECUTORS, last);
    return problem(
      ExecutorConfigErrorCode.UNKNOWN,
      `looks like a Python import path; custom executors are ES modules: ${myAlias}:./path/to/module.js#ExportName` +
        (builtin ? `, or use the built-in ${builtin}` : "") +
        `. ${BUILTINS_TEXT}`,
    );
  }
  if (target.includes("/") || target.includes("#") || MODULE_FILE.test(target.split("#")[0]!)) {
    const fix = `${myAlias}:./${target}`;
    return alias === null
      ? problem(ExecutorConfigErrorCode.ALIAS_REQUIRED, `looks like a module path; a custom executor needs an alias and a path starting with ./, ../ or /: ${fix}`)
      : problem(ExecutorConfigErrorCode.UNKNOWN, `a module path must start with ./, ../ or /: ${fix}`);
  }
  return problem(
    ExecutorConfigErrorCode.UNKNOWN,
    `${JSON.stringify(target)} is not a built-in executor${didYouMean(target, BUILTIN_EXECUTORS)}. ${BUILTINS_TEXT}; a custom executor is written ${CUSTOM_FORM}`,
  );
}

function duplicateProblems(parsed: ReadonlyArray<{ position: number; name: ExecutorName }>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  const check = (key: string, position: number, code: ConfigProblem["code"], detail: string) => {
    const first = seen.get(key);
    if (first === undefined) seen.set(key, position);
    else problems.push({ code, subject: `[core] executor entries ${first} and ${position}`, detail });
  };
  for (const { position, name } of parsed) {
    if (name.alias !== null) {
      check(`alias:${name.alias.toLowerCase()}`, position, ExecutorConfigErrorCode.DUPLICATE_ALIAS,
        `both use the alias "${name.alias}"; each alias must be unique (compared ignoring case)`);
    } else {
      check(`class:${name.className}`, position, ExecutorConfigErrorCode.DUPLICATE_CLASS,
        `are both ${name.className} without an alias to tell them apart; give one an alias, e.g. fast:${name.className}`);
    }
    if (name.modulePath !== null) {
      check(`module:${name.modulePath}#${name.className}`, position, ExecutorConfigErrorCode.DUPLICATE_MODULE,
        `both load ${name.modulePath}#${name.className}; configure a custom executor once`);
    }
  }
  return problems;
}

/**
 * The configured executor a string names (a task's `executor`): by alias, then by module path (as written or
 * absolute, with or without `#Export`), then by class name. A class name shared by several entries means the
 * one without alias, if any; otherwise it is ambiguous and nothing matches. Undefined when nothing matches.
 */
export function lookupExecutorName(names: readonly ExecutorName[], s: string): ExecutorName | undefined {
  const byAlias = names.find((n) => n.alias === s);
  if (byAlias) return byAlias;
  if (isModulePath(s)) {
    const hash = s.indexOf("#");
    const path = normalize(hash < 0 ? s : s.slice(0, hash));
    const exportName = hash < 0 ? undefined : s.slice(hash + 1);
    const byPath = names.filter(
      (n) =>
        n.modulePath !== null &&
        (path === n.modulePath || path === normalize(n.modulePathAsWritten!)) &&
        (exportName === undefined || exportName === n.className),
    );
    return byPath.length === 1 ? byPath[0] : undefined;
  }
  // "default" is the export of custom modules without #Export, not a class name anyone means.
  const byClass = names.filter((n) => n.className === s && !(n.modulePath !== null && n.className === "default"));
  if (byClass.length === 1) return byClass[0];
  const withoutAlias = byClass.filter((n) => n.alias === null);
  return withoutAlias.length === 1 ? withoutAlias[0] : undefined;
}

/** Problems of `[executors.<name>]` sections that name no configured executor. */
export function executorSectionProblems(
  sections: Iterable<{ name: string; file?: string; envVar?: string }>,
  names: readonly ExecutorName[],
): ConfigProblem[] {
  const configured = names.map((n) => n.name);
  const problems: ConfigProblem[] = [];
  for (const { name, file, envVar } of sections) {
    if (configured.includes(name)) continue;
    const meant = lookupExecutorName(names, name)?.name;
    const wrap = (s: string) => `[${EXECUTORS_SECTION}.${s}]`;
    const hint = meant !== undefined ? ` (did you mean ${wrap(meant)}?)` : didYouMean(name, configured, wrap);
    problems.push({
      code: ConfigErrorCode.UNKNOWN_EXECUTOR_SECTION,
      subject: `[${EXECUTORS_SECTION}.${name}]`,
      detail:
        `names no configured executor${hint}. Configured executors: ${configured.join(", ")} ` +
        `(a section is named by the entry's alias, or by its class name when it has none)`,
      ...(envVar !== undefined ? { envVar } : file !== undefined ? { file } : {}),
    });
  }
  return problems;
}

/**
 * Check that every `[executors.<name>]` section of `config` names a configured executor.
 * @throws ConfigError (code CONFIG_UNKNOWN_EXECUTOR_SECTION)
 */
export function validateExecutorSections(config: SwitchyardConfig, names: readonly ExecutorName[]): void {
  const sections = Object.entries(config.executors).map(([name, table]) => {
    const firstKey = Object.keys(table)[0];
    const origin = firstKey === undefined ? undefined : originOf(config, `${EXECUTORS_SECTION}.${name}`, firstKey);
    return { name, file: origin?.file ?? config.configFile ?? undefined, envVar: origin?.envVar };
  });
  const problems = executorSectionProblems(sections, names);
  if (problems.length > 0) throw new ConfigError(problems);
}
