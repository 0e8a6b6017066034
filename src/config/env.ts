import { parse } from "smol-toml";
import { ConfigErrorCode, type ConfigProblem } from "./errors.js";
import { plainValue, unknownKeyProblem, unknownSectionProblem, type RawConfig, type RawEntry } from "./raw.js";
import { CORE, EXECUTORS_SECTION, isSectionName, keyInfo, label, splitExecutorEntries, type ValueKind } from "./schema.js";

/** Variables that override the config: `SWITCHYARD__<SECTION>__<KEY>`, `SWITCHYARD__EXECUTORS__<NAME>__<KEY>`. */
export const ENV_PREFIX = "SWITCHYARD__";

const ENV_FORMS = "expected SWITCHYARD__<SECTION>__<KEY> or SWITCHYARD__EXECUTORS__<NAME>__<KEY>";

/**
 * Apply the `SWITCHYARD__…` variables of `env` to `raw` (they win over the file), reporting malformed names,
 * unknown sections and keys. Strings are coerced to the key's type; a string that cannot be is kept, so
 * validation reports it with the variable's name.
 */
export function applyEnvOverrides(raw: RawConfig, env: NodeJS.ProcessEnv, problems: ConfigProblem[]): void {
  const executorVars: Array<{ envVar: string; name: string; key: string; text: string }> = [];
  for (const envVar of Object.keys(env).sort()) {
    const text = env[envVar];
    if (!envVar.startsWith(ENV_PREFIX) || text === undefined) continue;
    const parts = envVar.slice(ENV_PREFIX.length).split("__");
    const section = parts[0]!.toLowerCase();
    const expectedParts = section === EXECUTORS_SECTION ? 3 : 2;
    if (parts.length !== expectedParts || parts.some((p) => p === "")) {
      problems.push({ code: ConfigErrorCode.ENV_NAME, subject: envVar, detail: `not a config variable name; ${ENV_FORMS}` });
    } else if (section === EXECUTORS_SECTION) {
      executorVars.push({ envVar, name: parts[1]!, key: parts[2]!, text });
    } else if (!isSectionName(section)) {
      problems.push(unknownSectionProblem(section, { envVar }));
    } else {
      const key = parts[1]!.toLowerCase();
      const info = keyInfo(section, key);
      if (!info) problems.push(unknownKeyProblem(section, key, { envVar }));
      else set(raw.sections.get(section)!, key, { value: coerce(info.spec.kind, text), envVar }, label(section, key), problems);
    }
  }
  // After [core] executor is final: executor names are matched against it.
  const names = executorNamesForEnv(raw);
  for (const { envVar, name, key, text } of executorVars) {
    const section = findIgnoringCase(names, name) ?? name.toLowerCase();
    let table = raw.executors.get(section);
    if (!table) raw.executors.set(section, (table = new Map()));
    const tableKey = findIgnoringCase([...table.keys()], key) ?? key.toLowerCase();
    const value = coerceExecutorValue(text, table.get(tableKey)?.value);
    set(table, tableKey, { value, envVar }, label(`${EXECUTORS_SECTION}.${section}`, tableKey), problems);
  }
}

function set(table: Map<string, RawEntry>, key: string, entry: RawEntry, what: string, problems: ConfigProblem[]): void {
  const previous = table.get(key)?.envVar;
  if (previous !== undefined) {
    problems.push({ code: ConfigErrorCode.ENV_NAME, subject: entry.envVar!, detail: `${previous} sets ${what} too; keep one of them` });
  }
  table.set(key, entry);
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** An environment string as the schema's type, or unchanged when it is not one (validation then reports it). */
export function coerce(kind: ValueKind, text: string): unknown {
  const t = text.trim();
  switch (kind) {
    case "integer":
    case "number":
      return NUMBER.test(t) ? Number(t) : text;
    case "boolean":
      return /^(true|false)$/i.test(t) ? t.toLowerCase() === "true" : text;
    case "string":
    case "executor-list":
      return text;
  }
}

/**
 * Executor sections have no schema: the string is read as a TOML value when it is one (`64`, `true`,
 * `["a","b"]`, `{ cpu = "1" }`, `"1.0"`), otherwise kept as a string. Where the file already has a string
 * for the key, the variable stays a string.
 */
export function coerceExecutorValue(text: string, existing: unknown): unknown {
  if (typeof existing === "string") return text;
  try {
    const doc = parse(`v = ${text}`);
    const keys = Object.keys(doc);
    if (keys.length === 1 && keys[0] === "v") return plainValue(doc.v);
  } catch {
    // not a TOML value: a plain string
  }
  return text;
}

/** Names executor sections may have (aliases and class names of [core] executor, then sections already present). */
function executorNamesForEnv(raw: RawConfig): string[] {
  const value = raw.sections.get("core")!.get("executor")?.value ?? CORE.executor.default;
  const entries =
    typeof value === "string" ? splitExecutorEntries(value) : Array.isArray(value) ? value.filter((e) => typeof e === "string") : [];
  const names = entries.map((entry) => {
    const parts = entry.split(":");
    return parts.length === 2 ? parts[0]!.trim() : entry;
  });
  return [...names, ...raw.executors.keys()];
}

function findIgnoringCase(candidates: readonly string[], s: string): string | undefined {
  return candidates.find((c) => c.toLowerCase() === s.toLowerCase());
}
