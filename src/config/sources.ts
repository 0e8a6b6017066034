import type { SwitchyardConfig } from "./types.js";

/** Where a configuration value came from. */
export type ConfigSource = "default" | "file" | "env";

export interface ValueOrigin {
  readonly source: ConfigSource;
  /** The config file, for source "file". */
  readonly file?: string;
  /** The variable, for source "env". */
  readonly envVar?: string;
}

/** Origins of the values loadConfig read, keyed by the config object it returned (not a field of it). */
const ORIGINS = new WeakMap<SwitchyardConfig, ReadonlyMap<string, ValueOrigin>>();

const slot = (section: string, key: string) => `${section}\u0000${key}`;

export function recordOrigins(
  config: SwitchyardConfig,
  entries: Iterable<{ section: string; key: string; origin: ValueOrigin }>,
): void {
  ORIGINS.set(config, new Map([...entries].map((e) => [slot(e.section, e.key), e.origin])));
}

/**
 * The origin of `[section] key` (section `executors.<name>` for executor sections), or undefined when
 * loadConfig did not make this config object (a copy or a hand-made config has no recorded origins).
 */
export function originOf(config: SwitchyardConfig, section: string, key: string): ValueOrigin | undefined {
  const origins = ORIGINS.get(config);
  return origins && (origins.get(slot(section, key)) ?? { source: "default" });
}
