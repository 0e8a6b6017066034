import { coerceError } from "../common/errors.js";
import type { ExecutorName } from "../config/executor-names.js";
import { listDagFiles } from "./dag-files.js";
import { describeImportFailure } from "./import-error.js";
import { loadDagFile, registerDagLoader } from "./loader.js";
import { serializeDag } from "./serialize.js";
import type { DagBagResult, DagDefinition, DagImportError, SerializedDag } from "./types.js";

/** What one DAG file produced: its valid DAGs and one import error per problem. */
export interface DagFileResult {
  readonly file: string;
  readonly dags: SerializedDag[];
  readonly errors: DagImportError[];
}

export interface CollectDagBagOptions {
  readonly folder: string;
  readonly extraFolders?: readonly string[];
  readonly executorNames: readonly ExecutorName[];
  /** Re-read files this process imported before (see `loadDagFile`). @defaultValue false */
  readonly fresh?: boolean;
  /** `[core] default_queue`. @defaultValue "default" */
  readonly defaultQueue?: string;
}

/**
 * Imports every DAG file under the folder(s) in this process and serializes each DAG. Every problem becomes
 * an import error of its file and the other files keep working. Prefer `parseDagBagIsolated` in long-lived
 * processes: a DAG file here can hang or exit the caller.
 */
export async function collectDagBag(opts: CollectDagBagOptions): Promise<DagBagResult> {
  await registerDagLoader();
  const { files, missingFolders } = await listDagFiles([opts.folder, ...(opts.extraFolders ?? [])]);
  const bag = new DagBagCollector(files, missingFolders);
  const ctx = { executorNames: opts.executorNames, fresh: opts.fresh ?? false, ...(opts.defaultQueue !== undefined ? { defaultQueue: opts.defaultQueue } : {}) };
  for (const file of files) bag.add(await parseDagFile(file, ctx));
  return bag.result();
}

/** Imports one file and serializes each DAG it exports. Never throws: problems are returned as import errors. */
export async function parseDagFile(
  file: string,
  ctx: { executorNames: readonly ExecutorName[]; fresh?: boolean; defaultQueue?: string },
): Promise<DagFileResult> {
  let definitions: DagDefinition[];
  try {
    definitions = await loadDagFile(file, { fresh: ctx.fresh ?? false });
  } catch (thrown) {
    return { file, dags: [], errors: [{ filename: file, message: describeImportFailure(file, thrown) }] };
  }
  const dags: SerializedDag[] = [];
  const errors: DagImportError[] = [];
  for (const definition of definitions) {
    if (dags.some((d) => d.dagId === definition.dagId)) {
      errors.push({ filename: file, message: `DAG id '${definition.dagId}' is exported twice by ${file} as different DAGs; each DAG needs its own id` });
      continue;
    }
    try {
      dags.push(serializeDag(definition, file, ctx));
    } catch (thrown) {
      // Validation messages already name the file, DAG and task.
      errors.push({ filename: file, message: coerceError(thrown).message });
    }
  }
  return { file, dags, errors };
}

/**
 * Merges per-file results in file order. A DAG id defined by more than one file is an import error
 * of each of them, naming them all, and none of their definitions is used: which file sorts first
 * must not decide who owns a DAG (the DAG keeps its last good definition in the database).
 */
export class DagBagCollector {
  readonly #files: string[];
  readonly #missingFolders: string[];
  /** Every definition of each DAG id, in file order. */
  readonly #dags = new Map<string, SerializedDag[]>();
  readonly #errors: DagImportError[] = [];

  constructor(files: readonly string[], missingFolders: readonly string[] = []) {
    this.#files = [...files];
    this.#missingFolders = [...missingFolders];
  }

  add(result: DagFileResult): void {
    this.#errors.push(...result.errors);
    for (const dag of result.dags) {
      const defs = this.#dags.get(dag.dagId);
      if (defs === undefined) this.#dags.set(dag.dagId, [dag]);
      else defs.push(dag);
    }
  }

  addError(error: DagImportError): void {
    this.#errors.push(error);
  }

  result(): DagBagResult {
    const dags: SerializedDag[] = [];
    const errors = [...this.#errors];
    for (const [dagId, defs] of this.#dags) {
      if (defs.length === 1) {
        dags.push(defs[0]!);
        continue;
      }
      const files = defs.map((d) => d.fileloc);
      const message = `DAG id '${dagId}' is defined by more than one file: ${files.join(", ")}; DAG ids must be unique across the dags folder, so no file's definition is used until all but one are renamed or removed`;
      for (const filename of files) errors.push({ filename, message });
    }
    return { dags, errors, files: [...this.#files], missingFolders: [...this.#missingFolders] };
  }
}
