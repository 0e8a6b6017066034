import path from "node:path";
import type { SwitchyardConfig } from "../config/types.js";
import { parseDagBagIsolated } from "../dag/dagbag-isolated.js";
import type { DagBagResult } from "../dag/types.js";
import type { Store } from "../store/connect.js";
import { syncDagBag } from "../store/queries/dags.js";
import { initialNextDagrunAt } from "./runs.js";

import { EXAMPLE_DAGS_FOLDER } from "../common/example-dags.js";

export { EXAMPLE_DAGS_FOLDER };

/**
 * Parses the DAG folder in a child process (a DAG file that hangs or exits cannot take the caller
 * down) and writes the result: DAGs, their serialized structure, and import errors.
 */
export async function syncDagsFolder(store: Store, config: SwitchyardConfig, opts: { now?: number; signal?: AbortSignal } = {}): Promise<DagBagResult> {
  const extraFolders = config.core.loadExamples ? [EXAMPLE_DAGS_FOLDER] : [];
  const result = await parseDagBagIsolated({
    folder: config.core.dagsFolder,
    extraFolders,
    executorEntries: config.core.executor,
    defaultQueue: config.core.defaultQueue,
    home: config.home,
    timeoutSeconds: config.core.dagbagImportTimeout,
    memoryLimitMb: config.core.dagbagImportMemoryMb,
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    ...(config.core.dagParseCache ? { cacheDir: path.join(config.home, ".switchyard", "dag-parse-cache") } : {}),
  });
  const now = opts.now ?? Date.now();
  await syncDagBag(store.db, {
    dags: result.dags.map((dag) => ({
      dag,
      pausedIfNew: dag.isPausedUponCreation || config.core.dagsArePausedAtCreation,
      nextDagrunAt: initialNextDagrunAt(dag, now),
    })),
    errors: result.errors,
    files: result.files,
    folders: [config.core.dagsFolder, ...extraFolders],
    now,
  });
  return result;
}
