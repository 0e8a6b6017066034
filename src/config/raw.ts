import { ConfigErrorCode, type ConfigProblem } from "./errors.js";
import { EXECUTORS_SECTION, SECTION_NAMES, isSectionName, keyInfo, keysOf, label, type SectionName } from "./schema.js";
import { didYouMean, isTable, renderValue } from "./text.js";

/** A value as written, and where it was written. */
export interface RawEntry {
  readonly value: unknown;
  readonly file?: string;
  readonly envVar?: string;
}

/** The configuration before defaults and validation: known keys only, each with its origin. */
export interface RawConfig {
  readonly sections: Map<SectionName, Map<string, RawEntry>>;
  /** `[executors.<name>]` tables, free-form. */
  readonly executors: Map<string, Map<string, RawEntry>>;
}

export function emptyRawConfig(): RawConfig {
  return { sections: new Map(SECTION_NAMES.map((s) => [s, new Map()])), executors: new Map() };
}

const VALID_SECTIONS = [...SECTION_NAMES.map((s) => `[${s}]`), `[${EXECUTORS_SECTION}.<name>]`].join(", ");

/** Airflow sections people bring along, and where their settings go here. */
const AIRFLOW_SECTION_HINTS: Readonly<Record<string, string>> = {
  celery: "Switchyard has no Celery; executor settings such as parallelism go in the executor's own section, [executors.<name>]",
  kubernetes: "KubernetesExecutor settings go in the executor's own section, [executors.<name>] (e.g. [executors.KubernetesExecutor])",
  kubernetes_executor: "KubernetesExecutor settings go in the executor's own section, [executors.<name>] (e.g. [executors.KubernetesExecutor])",
};

export function unknownSectionProblem(section: string, origin: { file?: string; envVar?: string }): ConfigProblem {
  const hint = AIRFLOW_SECTION_HINTS[section];
  const guess = didYouMean(section, [...SECTION_NAMES, EXECUTORS_SECTION], (s) => `[${s}]`);
  return {
    code: ConfigErrorCode.UNKNOWN_SECTION,
    subject: `[${section}]`,
    detail: `unknown section${guess}${hint ? `; ${hint}` : ""}. Valid sections: ${VALID_SECTIONS}`,
    ...origin,
  };
}

export function unknownKeyProblem(section: SectionName, key: string, origin: { file?: string; envVar?: string }): ConfigProblem {
  const valid = keysOf(section).map((k) => k.key);
  return {
    code: ConfigErrorCode.UNKNOWN_KEY,
    subject: label(section, key),
    detail: `unknown key${didYouMean(key, valid)}. Valid keys in [${section}]: ${valid.join(", ")}`,
    ...origin,
  };
}

/** Split a parsed switchyard.toml into a RawConfig, reporting unknown sections and keys. */
export function readTomlTree(tree: Record<string, unknown>, file: string, problems: ConfigProblem[]): RawConfig {
  const raw = emptyRawConfig();
  for (const [name, value] of Object.entries(tree)) {
    if (!isTable(value)) {
      problems.push(notInSectionProblem(name, value, file));
    } else if (isSectionName(name)) {
      const target = raw.sections.get(name)!;
      for (const [key, v] of Object.entries(value)) {
        if (keyInfo(name, key)) target.set(key, { value: v, file });
        else problems.push(unknownKeyProblem(name, key, { file }));
      }
    } else if (name === EXECUTORS_SECTION) {
      for (const [executor, table] of Object.entries(value)) {
        if (isTable(table)) {
          raw.executors.set(executor, new Map(Object.entries(table).map(([k, v]) => [k, { value: plainValue(v), file }])));
        } else {
          problems.push({
            code: ConfigErrorCode.INVALID_VALUE,
            subject: `[${EXECUTORS_SECTION}] ${executor} = ${renderValue(table)}`,
            detail: `everything under [${EXECUTORS_SECTION}] must be a table: write [${EXECUTORS_SECTION}.${executor}] and its keys below it`,
            file,
          });
        }
      }
    } else {
      problems.push(unknownSectionProblem(name, { file }));
    }
  }
  return raw;
}

/** A top-level `key = value` (before any `[section]`), or `core = 3`. */
function notInSectionProblem(name: string, value: unknown, file: string): ConfigProblem {
  const subject = `${name} = ${renderValue(value)}`;
  if (isSectionName(name) || name === EXECUTORS_SECTION) {
    const header = name === EXECUTORS_SECTION ? `[${EXECUTORS_SECTION}.<name>]` : `[${name}]`;
    return { code: ConfigErrorCode.INVALID_VALUE, subject, detail: `must be a table: write ${header} on a line of its own and its keys below it`, file };
  }
  const home = SECTION_NAMES.find((s) => keyInfo(s, name));
  const detail = home
    ? `this key is outside any section; put it under [${home}]`
    : `a key outside any section; every key belongs to a section: ${VALID_SECTIONS}`;
  return { code: ConfigErrorCode.UNKNOWN_KEY, subject, detail, file };
}

/** smol-toml makes tables with a null prototype; executor sections hand out ordinary objects. */
export function plainValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainValue);
  if (isTable(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainValue(v)]));
  return value;
}
