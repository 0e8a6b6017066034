import { statSync } from "node:fs";
import { loadDagFile, registerDagLoader } from "../dag/loader.js";
import type { DagDefinition } from "../dag/types.js";

interface Entry {
  readonly mtimeMs: number;
  readonly dags: Promise<DagDefinition[]>;
}

/**
 * DAG modules imported by this process, per file. A warm runner imports a file once and reuses it
 * for every try; a changed mtime means the file was edited, so it is imported afresh.
 */
const cache = new Map<string, Entry>();

export async function loadDagsCached(file: string): Promise<DagDefinition[]> {
  // Synchronous: one local stat per try is cheaper than a thread-pool round trip.
  const { mtimeMs } = statSync(file);
  const hit = cache.get(file);
  if (hit !== undefined && hit.mtimeMs === mtimeMs) return hit.dags;
  const dags = (async () => {
    await registerDagLoader();
    // Fresh even on the first load here: this process may have imported an older version before
    // (the scheduler's DAG processor shares the SequentialExecutor's process).
    return loadDagFile(file, { fresh: true });
  })();
  const entry: Entry = { mtimeMs, dags };
  cache.set(file, entry);
  dags.catch(() => {
    // A failed import is not cached: the next try imports again (the file may be fixed by then).
    if (cache.get(file) === entry) cache.delete(file);
  });
  return dags;
}
