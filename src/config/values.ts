import { ConfigError, ConfigErrorCode } from "./errors.js";
import { EXECUTORS_SECTION, SECTION_NAMES, isSectionName, keysOf, label } from "./schema.js";
import { originOf, type ConfigSource } from "./sources.js";
import { Secret } from "./secret.js";
import { didYouMean, renderValue } from "./text.js";
import type { SwitchyardConfig } from "./types.js";

export type { ConfigSource } from "./sources.js";

/** One row of `config list`. */
export interface ConfigEntry {
  readonly section: string;
  readonly key: string;
  readonly value: unknown;
  readonly source: ConfigSource;
}

/**
 * The compiled value of `[section] key` for `config get-value`: section and key in snake_case as in
 * switchyard.toml (fixed sections also match ignoring case); executor sections as `executors.<name>`.
 * @throws ConfigError (CONFIG_UNKNOWN_SECTION / CONFIG_UNKNOWN_KEY) listing what is valid
 */
export function getConfigValue(config: SwitchyardConfig, section: string, key: string): unknown {
  const fixed = section.toLowerCase();
  if (isSectionName(fixed)) {
    const info = keysOf(fixed).find((k) => k.key === key.toLowerCase());
    if (!info) {
      const valid = keysOf(fixed).map((k) => k.key);
      throw unknown(ConfigErrorCode.UNKNOWN_KEY, label(fixed, key), `unknown key${didYouMean(key, valid)}. Valid keys in [${fixed}]: ${valid.join(", ")}`);
    }
    return (config[fixed] as unknown as Record<string, unknown>)[info.field];
  }
  const executorSections = Object.keys(config.executors);
  const prefix = `${EXECUTORS_SECTION}.`;
  const name = section.startsWith(prefix)
    ? (findName(executorSections, section.slice(prefix.length)) ?? null)
    : null;
  if (name === null) {
    const valid = [...SECTION_NAMES, ...executorSections.map((s) => prefix + s)];
    throw unknown(
      ConfigErrorCode.UNKNOWN_SECTION,
      `[${section}]`,
      `unknown section${didYouMean(section, valid, (s) => `[${s}]`)}. Valid sections: ${valid.join(", ")}` +
        (executorSections.length === 0 ? ` (no [${prefix}<name>] section is set)` : ""),
    );
  }
  const table = config.executors[name]!;
  const found = findName(Object.keys(table), key);
  if (found === undefined) {
    const set = Object.keys(table);
    throw unknown(
      ConfigErrorCode.UNKNOWN_KEY,
      label(prefix + name, key),
      `not set${didYouMean(key, set)}. Keys set in [${prefix}${name}]: ${set.join(", ") || "none"} ` +
        "(an executor section holds only what the file or environment sets; the executor supplies its own defaults)",
    );
  }
  return table[found];
}

/**
 * Every value with where it came from, for `config list`: the fixed sections in schema order (defaults
 * included), then the executor sections. Only for a config returned by loadConfig.
 */
export function listConfig(config: SwitchyardConfig): ConfigEntry[] {
  const source = (section: string, key: string): ConfigSource => {
    const origin = originOf(config, section, key);
    if (!origin) throw new TypeError("listConfig needs a config returned by loadConfig (it records where each value came from)");
    return origin.source;
  };
  const rows: ConfigEntry[] = [];
  for (const section of SECTION_NAMES) {
    const values = config[section] as unknown as Record<string, unknown>;
    for (const { key, field } of keysOf(section)) rows.push({ section, key, value: values[field], source: source(section, key) });
  }
  for (const [name, table] of Object.entries(config.executors)) {
    const section = `${EXECUTORS_SECTION}.${name}`;
    for (const [key, value] of Object.entries(table)) rows.push({ section, key, value, source: source(section, key) });
  }
  return rows;
}

/** A value as `config get-value` prints it: strings bare, string arrays comma-joined (as Airflow writes `executor`), the rest as TOML. */
export function formatConfigValue(value: unknown): string {
  if (typeof value === "string" || value instanceof Secret) return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.join(",");
  return renderValue(value);
}

/** Exact match first, then the only match ignoring case. */
function findName(names: readonly string[], s: string): string | undefined {
  if (names.includes(s)) return s;
  const matches = names.filter((n) => n.toLowerCase() === s.toLowerCase());
  return matches.length === 1 ? matches[0] : undefined;
}

function unknown(code: ConfigError["code"], subject: string, detail: string): ConfigError {
  return new ConfigError([{ code, subject, detail }]);
}
