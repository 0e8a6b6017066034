import { register } from "node:module";
import { resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { isDagDefinition } from "./brand.js";
import { DagLoaderError } from "./errors.js";
import { createLocalImportGraph, type LocalImportGraph } from "./local-imports.js";
import { DAG_QUERY } from "./resolve-hook.js";
import type { DagDefinition } from "./types.js";

// On globalThis, not in a module variable: src and dist copies of this module in one process must
// register the hooks once between them.
const REGISTERED = Symbol.for("switchyard.dagLoaderRegistered");
const IMPORT_GRAPH = Symbol.for("switchyard.dagLoaderImportGraph");

// This module's own extension tells how the process runs: `.ts` means a TypeScript loader (tsx) is already
// active, so only our resolve hook is needed; `.js` means plain node running dist/.
const OWN_EXTENSION = import.meta.url.endsWith(".ts") ? ".ts" : ".js";

let freshCount = 0;

/**
 * Makes DAG files importable: `.ts`/`.mts` through tsx, and the bare specifier `switchyard` resolving to this
 * package's entry point from anywhere on disk. Idempotent; call before `loadDagFile` (which calls it too).
 * `recordLocalImports` (honoured by the first call in a process) makes `localImportGraph()` available.
 */
export function registerDagLoader(opts: { recordLocalImports?: boolean } = {}): Promise<void> {
  const holder = globalThis as { [REGISTERED]?: Promise<void> };
  holder[REGISTERED] ??= registerHooks(opts.recordLocalImports === true);
  return holder[REGISTERED];
}

/** The local files each DAG file imported in this process, when the loader was registered with `recordLocalImports`. */
export function localImportGraph(): LocalImportGraph | null {
  return (globalThis as { [IMPORT_GRAPH]?: LocalImportGraph })[IMPORT_GRAPH] ?? null;
}

async function registerHooks(recordLocalImports: boolean): Promise<void> {
  try {
    if (OWN_EXTENSION === ".js") {
      const tsx = await import("tsx/esm/api");
      tsx.register();
    }
    // Registered after tsx, so it runs first and sees tsx's result for each file.
    const indexUrl = new URL(`../index${OWN_EXTENSION}`, import.meta.url).href;
    const hookUrl = new URL(`./resolve-hook${OWN_EXTENSION}`, import.meta.url);
    if (recordLocalImports) {
      const { graph, hookPort } = createLocalImportGraph();
      register(hookUrl, { data: { indexUrl, port: hookPort }, transferList: [hookPort] });
      (globalThis as { [IMPORT_GRAPH]?: LocalImportGraph })[IMPORT_GRAPH] = graph;
    } else {
      register(hookUrl, { data: { indexUrl } });
    }
  } catch (thrown) {
    delete (globalThis as { [REGISTERED]?: Promise<void> })[REGISTERED];
    throw new DagLoaderError(`Could not set up the DAG loader (tsx and the '@switchyard/core' resolve hook): ${String(thrown)}`, { cause: thrown });
  }
}

/**
 * Imports a DAG file and returns each DAG it exports (default and named), once each, in export order.
 * `fresh` re-reads the file and the local files it imports, for a file that may have changed since it was
 * first imported in this process (each fresh import stays in memory: long-lived processes should parse DAG
 * folders in a child process, see `parseDagBagIsolated`). Whatever the file throws is rethrown.
 */
export async function loadDagFile(file: string, opts: { fresh?: boolean } = {}): Promise<DagDefinition[]> {
  return dagsExportedBy(await importLocalModule(file, opts));
}

/**
 * Imports a module file the way DAG files are imported: `.ts` works, `switchyard` resolves to this package,
 * and the file and the local files it imports are ES modules even outside a `"type": "module"` package.
 * For other user modules that import `switchyard`, such as custom executors.
 */
export async function importLocalModule(file: string, opts: { fresh?: boolean } = {}): Promise<Record<string, unknown>> {
  await registerDagLoader();
  const url = pathToFileURL(resolvePath(file));
  url.searchParams.set(DAG_QUERY, opts.fresh === true ? `${process.pid}.${Date.now().toString(36)}.${++freshCount}` : "0");
  return (await import(url.href)) as Record<string, unknown>;
}

/** DAG-branded exports, default first; the same DAG exported under two names counts once. */
export function dagsExportedBy(namespace: Readonly<Record<string, unknown>>): DagDefinition[] {
  const names = Object.keys(namespace).sort((a, b) => (a === "default" ? -1 : b === "default" ? 1 : 0));
  const dags: DagDefinition[] = [];
  for (const name of names) {
    const value = namespace[name];
    if (isDagDefinition(value) && !dags.includes(value)) dags.push(value);
  }
  return dags;
}
