import { loadConfig } from "../config/load.js";
import type { SwitchyardConfig } from "../config/types.js";
import { openStore, type Store } from "../store/connect.js";
import { assertSchemaCurrent } from "../store/migrate.js";

/** What most commands need: the configuration and a store whose schema this code understands. */
export interface CliContext {
  config: SwitchyardConfig;
  store: Store;
}

export function cliConfig(): SwitchyardConfig {
  return loadConfig();
}

/** Opens the configured database after checking its schema, runs `fn`, and always closes it. */
export async function withStore<T>(fn: (ctx: CliContext) => Promise<T>, opts: { config?: SwitchyardConfig } = {}): Promise<T> {
  const config = opts.config ?? cliConfig();
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
