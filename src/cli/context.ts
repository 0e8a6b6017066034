// The CLI builds every command at start-up (`--help` and `--version` need them all), so this module and
// src/cli/commands/*.ts import only commander and light modules at top level. Whatever a command needs
// beyond that (config loading, the store, DAG parsing, the scheduler, executors) is imported inside its
// action with `await import()`, so each command loads only what it uses; test/cli/lazy-imports.test.ts
// checks it.
import type { SwitchyardConfig } from "../config/types.js";
import type { Store } from "../store/connect.js";

/** What most commands need: the configuration and a store whose schema this code understands. */
export interface CliContext {
  config: SwitchyardConfig;
  store: Store;
}

/** The configuration from $SWITCHYARD_HOME/switchyard.toml and SWITCHYARD__SECTION__KEY. */
export async function cliConfig(): Promise<SwitchyardConfig> {
  const { loadConfig } = await import("../config/load.js");
  return loadConfig();
}

/** Opens the configured database after checking its schema, runs `fn`, and always closes it. */
export async function withStore<T>(fn: (ctx: CliContext) => Promise<T>, opts: { config?: SwitchyardConfig } = {}): Promise<T> {
  const config = opts.config ?? (await cliConfig());
  const { openStore } = await import("../store/connect.js");
  const { assertSchemaCurrent } = await import("../store/migrate.js");
  const store = await openStore(config.database);
  try {
    await assertSchemaCurrent(store);
    return await fn({ config, store });
  } finally {
    await store.close();
  }
}

/** Prints one line to stdout (results) — diagnostics go to stderr through the logger. */
export function out(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}
