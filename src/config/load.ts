import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse, TomlError } from "smol-toml";
import { coerceError } from "../common/errors.js";
import { applyEnvOverrides } from "./env.js";
import {
  ConfigError,
  ConfigErrorCode,
  ExecutorConfigError,
  isExecutorProblem,
  type ConfigProblem,
} from "./errors.js";
import { executorSectionProblems, parseExecutorNames } from "./executor-names.js";
import { emptyRawConfig, readTomlTree, type RawConfig, type RawEntry } from "./raw.js";
import { EXECUTORS_SECTION, SECTION_NAMES, keysOf, label, type KeySpec } from "./schema.js";
import { recordOrigins, type ValueOrigin } from "./sources.js";
import { isSecret, Secret, shown } from "./secret.js";
import { isTable, renderValue } from "./text.js";
import type { SwitchyardConfig } from "./types.js";

/** The config file's name inside $SWITCHYARD_HOME. */
export const CONFIG_FILE_NAME = "switchyard.toml";

export interface LoadConfigOptions {
  /** $SWITCHYARD_HOME. @defaultValue env.SWITCHYARD_HOME, else the current directory */
  home?: string;
  /** Where SWITCHYARD_HOME and the SWITCHYARD__… overrides are read. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * Read `<home>/switchyard.toml` (when present), apply `SWITCHYARD__<SECTION>__<KEY>` overrides, fill
 * defaults, validate, and resolve relative paths against home. The result is deeply frozen.
 * @throws ConfigError listing every problem found, one per line (ExecutorConfigError when all are in `[core] executor`)
 */
export function loadConfig(options: LoadConfigOptions = {}): SwitchyardConfig {
  const env = options.env ?? process.env;
  const home = resolve(options.home ?? (env.SWITCHYARD_HOME || process.cwd()));
  const file = join(home, CONFIG_FILE_NAME);
  const text = readConfigText(file);
  const problems: ConfigProblem[] = [];
  const raw = text === null ? emptyRawConfig() : readTomlTree(parseToml(text, file), file, problems);
  applyEnvOverrides(raw, env, problems);
  const sections = compileSections(raw, home, problems);
  problems.push(...crossChecks(raw, sections));

  const executorEntry = raw.sections.get("core")!.get("executor");
  const entries = sections.core["executor"] as string[] | undefined;
  if (entries !== undefined) {
    try {
      const names = parseExecutorNames(entries, home);
      const executorSections = [...raw.executors].map(([name, table]) => {
        const first: RawEntry | undefined = table.values().next().value;
        return { name, file: first?.file ?? file, envVar: first?.envVar };
      });
      problems.push(...executorSectionProblems(executorSections, names));
    } catch (thrown) {
      if (!(thrown instanceof ExecutorConfigError)) throw thrown;
      problems.push(...thrown.problems.map((p) => withOrigin(p, executorEntry)));
    }
  }
  if (problems.length > 0) {
    throw problems.every(isExecutorProblem) ? new ExecutorConfigError(problems) : new ConfigError(problems);
  }

  const config = deepFreeze({
    home,
    configFile: text === null ? null : file,
    ...(sections as unknown as Pick<SwitchyardConfig, "core" | "database" | "scheduler" | "logging">),
    executors: Object.fromEntries(
      [...raw.executors].map(([name, table]) => [name, Object.fromEntries([...table].map(([k, e]) => [k, secretOrValue(k, e.value)]))]),
    ),
  });
  recordOrigins(config, origins(raw));
  return config;
}

/**
 * Executor sections have no schema: a value that is a secret (see isSecret) becomes a Secret the
 * executor reveals; so does one in a sub-table (a hybrid's `[executors.<name>.bullmq] redis_url`).
 */
function secretOrValue(key: string, value: unknown): unknown {
  if (isTable(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, secretOrValue(k, v)]));
  return typeof value === "string" && isSecret(key, value) ? Secret.forKey(value) : value;
}

function readConfigText(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch (thrown) {
    if ((thrown as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new ConfigError([{ code: ConfigErrorCode.READ, subject: file, detail: `cannot be read: ${coerceError(thrown).message}` }], {
      cause: thrown,
    });
  }
}

function parseToml(text: string, file: string): Record<string, unknown> {
  try {
    return parse(text);
  } catch (thrown) {
    if (!(thrown instanceof TomlError)) throw thrown;
    const reason = (thrown.message.split("\n", 1)[0] ?? "").replace(/^Invalid TOML document:\s*/, "");
    throw new ConfigError(
      [
        {
          code: ConfigErrorCode.SYNTAX,
          subject: `${file}:${thrown.line}:${thrown.column}`,
          detail: `TOML syntax error: ${reason}\n${thrown.codeblock.trimEnd()}`,
        },
      ],
      { cause: thrown },
    );
  }
}

type CompiledSections = Record<(typeof SECTION_NAMES)[number], Record<string, unknown>>;

/** Defaults filled and each value validated by its schema; a bad value is reported and left out. */
function compileSections(raw: RawConfig, home: string, problems: ConfigProblem[]): CompiledSections {
  const compiled = {} as CompiledSections;
  for (const section of SECTION_NAMES) {
    const out: Record<string, unknown> = (compiled[section] = {});
    for (const { key, field, spec } of keysOf(section)) {
      const entry = raw.sections.get(section)!.get(key);
      const value = entry ? entry.value : spec.default;
      const result = spec.schema(home).safeParse(value);
      if (result.success) {
        out[field] = result.data;
      } else {
        const subject = `${label(section, key)} = ${renderValue(shown(key, value))}`;
        const detail = invalidDetail(result.error.issues, spec);
        problems.push(withOrigin({ code: ConfigErrorCode.INVALID_VALUE, subject, detail }, entry));
      }
    }
  }
  return compiled;
}

function invalidDetail(issues: ReadonlyArray<{ code: string; message: string }>, spec: KeySpec): string {
  const custom = issues.find((i) => i.code === "custom");
  return custom ? custom.message : `must be ${spec.expect} (${spec.meaning})`;
}

/** Checks between keys, once each key is valid on its own. */
function crossChecks(raw: RawConfig, sections: CompiledSections): ConfigProblem[] {
  const heartbeat = sections.scheduler["jobHeartbeatSec"];
  const threshold = sections.scheduler["schedulerHealthCheckThreshold"];
  if (typeof heartbeat !== "number" || typeof threshold !== "number" || threshold > heartbeat) return [];
  const thresholdEntry = raw.sections.get("scheduler")!.get("scheduler_health_check_threshold");
  const problem = thresholdEntry
    ? {
        subject: `${label("scheduler", "scheduler_health_check_threshold")} = ${threshold}`,
        detail: `must be greater than [scheduler] job_heartbeat_sec (${heartbeat}), or a healthy scheduler counts as dead`,
      }
    : {
        subject: `${label("scheduler", "job_heartbeat_sec")} = ${heartbeat}`,
        detail: `must be less than [scheduler] scheduler_health_check_threshold (${threshold}), or a healthy scheduler counts as dead`,
      };
  const entry = thresholdEntry ?? raw.sections.get("scheduler")!.get("job_heartbeat_sec");
  return [withOrigin({ code: ConfigErrorCode.INVALID_VALUE, ...problem }, entry)];
}

function withOrigin(problem: ConfigProblem, entry: RawEntry | undefined): ConfigProblem {
  if (entry?.envVar !== undefined) return { ...problem, envVar: entry.envVar };
  if (entry?.file !== undefined) return { ...problem, file: entry.file };
  return problem;
}

function* origins(raw: RawConfig): Iterable<{ section: string; key: string; origin: ValueOrigin }> {
  const originOf = (e: RawEntry): ValueOrigin =>
    e.envVar !== undefined ? { source: "env", envVar: e.envVar } : { source: "file", file: e.file! };
  for (const [section, table] of raw.sections) {
    for (const [key, entry] of table) yield { section, key, origin: originOf(entry) };
  }
  for (const [name, table] of raw.executors) {
    for (const [key, entry] of table) yield { section: `${EXECUTORS_SECTION}.${name}`, key, origin: originOf(entry) };
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
