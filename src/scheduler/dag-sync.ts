import path from "node:path";
import type { SwitchyardConfig } from "../config/types.js";
import { dagFolders, parseCacheOf, parseDagBagIsolated, type ParseDagBagIsolatedOptions } from "../dag/dagbag-isolated.js";
import type { DagBagResult } from "../dag/types.js";
import type { Store } from "../store/connect.js";
import { syncDagBag } from "../store/queries/dags.js";
import { initialNextDagrunAt } from "./runs.js";
import { syncStampFile, syncStampIsCurrent, writeSyncStamp } from "./sync-stamp.js";

import { EXAMPLE_DAGS_FOLDER } from "../common/example-dags.js";

export { EXAMPLE_DAGS_FOLDER };

/** How this configuration parses its DAG folder(s). */
function parseOptionsOf(config: SwitchyardConfig): ParseDagBagIsolatedOptions {
  return {
    folder: config.core.dagsFolder,
    extraFolders: config.core.loadExamples ? [EXAMPLE_DAGS_FOLDER] : [],
    executorEntries: config.core.executor,
    defaultQueue: config.core.defaultQueue,
    home: config.home,
    timeoutSeconds: config.core.dagbagImportTimeout,
    memoryLimitMb: config.core.dagbagImportMemoryMb,
    ...(config.core.dagParseCache ? { cacheDir: path.join(config.home, ".switchyard", "dag-parse-cache") } : {}),
  };
}

/** The database a stamp speaks of: another one (or another schema of it) never matches. */
function databaseIdentity(store: Store): string {
  return `${store.displayUrl}#${store.schema ?? ""}`;
}

/**
 * Parses the DAG folder in a child process (a DAG file that hangs or exits cannot take the caller
 * down) and writes the result: DAGs, their serialized structure, and import errors.
 */
export async function syncDagsFolder(store: Store, config: SwitchyardConfig, opts: { now?: number; signal?: AbortSignal } = {}): Promise<DagBagResult> {
  const parseOptions = parseOptionsOf(config);
  const result = await parseDagBagIsolated({ ...parseOptions, ...(opts.signal !== undefined ? { signal: opts.signal } : {}) });
  const now = opts.now ?? Date.now();
  const stampFile = syncStampFile(config.home);
  await writeSyncStamp(stampFile, null); // until the write below has committed
  await syncDagBag(store.db, {
    dags: result.dags.map((dag) => ({
      dag,
      pausedIfNew: dag.isPausedUponCreation || config.core.dagsArePausedAtCreation,
      nextDagrunAt: initialNextDagrunAt(dag, now),
    })),
    errors: result.errors,
    files: result.files,
    folders: dagFolders(parseOptions),
    now,
  });
  const cache = parseCacheOf(parseOptions);
  if (result.inputs !== undefined && cache !== null) {
    await writeSyncStamp(stampFile, { database: databaseIdentity(store), context: cache.contextKey, files: result.files, inputs: result.inputs });
  }
  return result;
}

/**
 * Whether the serialized DAGs in the database are those of the DAG folder as it is now, told
 * without parsing: the last parse written to this database left a stamp (see sync-stamp.ts) and
 * every file it was made from is unchanged. False whenever that cannot be told (no parse cache,
 * an import error at the last parse, another database, a changed file or configuration).
 */
export async function dagsInDatabaseAreCurrent(store: Store, config: SwitchyardConfig): Promise<boolean> {
  const parseOptions = parseOptionsOf(config);
  const cache = parseCacheOf(parseOptions);
  if (cache === null) return false;
  return syncStampIsCurrent(syncStampFile(config.home), { database: databaseIdentity(store), context: cache.contextKey, folders: dagFolders(parseOptions) });
}
