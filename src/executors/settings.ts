import { builtinExecutor } from "../config/builtin-executors.js";
import { ConfigError, ConfigErrorCode } from "../config/errors.js";
import { parseExecutorNames, type ExecutorName } from "../config/executor-names.js";
import { EXECUTORS_SECTION, label, SECTION_NAMES } from "../config/schema.js";
import { didYouMean } from "../config/text.js";
import type { SwitchyardConfig } from "../config/types.js";
import { getConfigValue } from "../config/values.js";
import { hybridOf, KUBERNETES_SIDE } from "./hybrid/options.js";

/**
 * `config get-value executors.<name> <key>`: for a configured built-in executor the value it runs
 * with, defaults included, whether or not its section is written; a custom executor supplies its own
 * defaults, so only what is set answers.
 * @throws ConfigError naming the valid sections or keys
 */
export async function executorConfigValue(config: SwitchyardConfig, section: string, key: string): Promise<unknown> {
  const names = parseExecutorNames(config.core.executor, config.home);
  const fullName = section.slice(EXECUTORS_SECTION.length + 1);
  const sideOf = hybridSide(names, fullName);
  const wanted = sideOf?.hybrid ?? fullName;
  const name = names.find((n) => n.name === wanted) ?? names.find((n) => n.name.toLowerCase() === wanted.toLowerCase());
  if (!name && !Object.keys(config.executors).some((s) => s.toLowerCase() === wanted.toLowerCase())) {
    const valid = [...SECTION_NAMES, ...names.map((n) => `${EXECUTORS_SECTION}.${n.name}`)];
    throw new ConfigError([
      { code: ConfigErrorCode.UNKNOWN_SECTION, subject: `[${section}]`, detail: `no executor named '${wanted}' is configured${didYouMean(section, valid, (s) => `[${s}]`)}. Valid sections: ${valid.join(", ")}` },
    ]);
  }
  const builtin = name && name.modulePath === null ? builtinExecutor(name.className) : undefined;
  if (!name || !builtin) return getConfigValue(config, section, key);
  const compile = await builtin.loadSettings();
  const all = compile(config.executors[name.name] ?? {}, name.name, config) as Record<string, unknown>;
  // `executors.<hybrid>.<side> <key>`: a key of one side of a hybrid.
  const settings = sideOf === undefined ? all : (all[sideOf.side] as Record<string, unknown>);
  const className = sideOf === undefined ? name.className : `${name.className}'s ${sideOf.side} side`;
  const valid = Object.keys(settings);
  const found = valid.find((k) => k === key) ?? valid.find((k) => k.toLowerCase() === key.toLowerCase());
  if (found === undefined) {
    throw new ConfigError([
      { code: ConfigErrorCode.UNKNOWN_KEY, subject: label(section, key), detail: `unknown key${didYouMean(key, valid)}. Valid keys of a ${className}: ${valid.join(", ")}` },
    ]);
  }
  return settings[found];
}

/** `<hybrid>.<side>` when `fullName` names a side of a configured built-in hybrid (`lk.local`, `lk.kubernetes`). */
function hybridSide(names: readonly ExecutorName[], fullName: string): { hybrid: string; side: string } | undefined {
  const dot = fullName.lastIndexOf(".");
  if (dot < 0) return undefined;
  const hybrid = fullName.slice(0, dot);
  const side = fullName.slice(dot + 1);
  const entry = names.find((n) => n.name.toLowerCase() === hybrid.toLowerCase());
  const spec = entry !== undefined && entry.modulePath === null ? hybridOf(entry.className) : undefined;
  if (spec === undefined || (side !== spec.otherSide && side !== KUBERNETES_SIDE)) return undefined;
  return { hybrid: entry!.name, side };
}
