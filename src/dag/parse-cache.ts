import { createHash } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DagFileResult } from "./dagbag.js";
import { fromStoredFileResult, isStoredDag, toStoredFileResult, type StoredDagFileResult } from "./stored-form.js";
import type { ParseInput } from "./types.js";

/**
 * Parse results of DAG files, kept on disk between processes so that an unchanged file is not imported again
 * (importing means starting a process with the TypeScript loader: seconds, where reading the cache takes
 * milliseconds).
 *
 * An entry is reused only while all of these are unchanged:
 * - the DAG file's content (SHA-256),
 * - the content of every local file it imported, directly or not (node_modules and `@switchyard/core` are
 *   not local; the resolve hook reports the rest, see local-imports.ts),
 * - the parse context: the `[core] executor` entries, `[core] default_queue`, $SWITCHYARD_HOME, and this
 *   Switchyard's own DAG and config code (the size and mtime of its files: a new build or version differs).
 * Results with import errors are never stored: an error may come from something outside the file (a service,
 * a missing package) and must be retried at each parse. What a DAG file reads at import time other than
 * through `import` (a YAML file, an environment variable, a package upgraded in node_modules) is not part
 * of the key: edit the DAG file, or delete the cache folder, to make it parse again.
 */
export interface ParseCacheOptions {
  /** The folder the entries live in (one JSON file per DAG file); created on the first write. */
  readonly dir: string;
  /** What else shapes a parse result (configuration values): entries made under another context are misses. */
  readonly context: Readonly<Record<string, unknown>>;
}

interface Entry {
  readonly file: string;
  readonly context: string;
  /** The DAG file first, then its local imports, with their content hashes. */
  readonly inputs: readonly ParseInput[];
  /** Its DAGs in stored form (stored-form.ts): a fraction of the size of the full form. */
  readonly result: StoredDagFileResult;
}

const ENTRY_SUFFIX = ".json";
/** Makes each temporary file name unique within this process (two parses may store the same file at once). */
let writes = 0;

export class DagParseCache {
  readonly #dir: string;
  readonly #context: string;
  /** The inputs of each file whose entry this instance found valid or stored. */
  readonly #inputs = new Map<string, readonly ParseInput[]>();

  constructor(opts: ParseCacheOptions) {
    this.#dir = opts.dir;
    this.#context = sha256(JSON.stringify({ ...opts.context, code: codeIdentity() }));
  }

  /** What entries are made under: the parse context and this code. A record made under another key is stale. */
  get contextKey(): string {
    return this.#context;
  }

  /** The stored result of `file`, if it and everything it imported are as they were when it was stored. */
  async lookup(file: string): Promise<DagFileResult | undefined> {
    const entry = await this.#read(file);
    if (entry === undefined || entry.context !== this.#context || entry.file !== file || !Array.isArray(entry.inputs) || entry.inputs[0]?.path !== file) return undefined;
    // An entry of an older form (DAGs written out in full) is a miss: the next parse stores this one's.
    if (!Array.isArray(entry.result?.dags) || !entry.result.dags.every(isStoredDag)) return undefined;
    if (!(await inputsUnchanged(entry.inputs))) return undefined;
    this.#inputs.set(file, entry.inputs);
    return fromStoredFileResult(entry.result);
  }

  /**
   * Every input of `files` (each file and its local imports, by content), when this instance found a
   * valid entry for each of them or stored one; undefined when any has none (an import error, a file
   * changed during its parse, an entry that could not be written).
   */
  inputsOf(files: readonly string[]): ParseInput[] | undefined {
    const all = new Map<string, ParseInput>();
    for (const file of files) {
      const inputs = this.#inputs.get(file);
      if (inputs === undefined) return undefined;
      for (const input of inputs) all.set(input.path, input);
    }
    return [...all.values()];
  }

  /**
   * Stores a result that has no import errors, keyed by the content of the file and of `localImports` as
   * they are now. Not stored when one of them was modified after `parseStartedAt` (epoch ms): the result
   * may be of the older content, and the next parse must import it again. Never throws: an entry that
   * cannot be written (a read-only home, a full disk) costs the next parse an import, nothing more.
   */
  async store(result: DagFileResult, localImports: readonly string[], parseStartedAt: number): Promise<void> {
    await this.#write(result, localImports, parseStartedAt).catch(() => undefined);
  }

  /** Deletes the entries of files that are not in `files` (deleted or moved DAG files). Never throws. */
  async keepOnly(files: readonly string[]): Promise<void> {
    const wanted = new Set(files.map((file) => entryName(file)));
    const names = await readdir(this.#dir).catch(() => [] as string[]);
    const stale = names.filter((name) => name.endsWith(ENTRY_SUFFIX) && !wanted.has(name));
    await Promise.all(stale.map((name) => rm(join(this.#dir, name), { force: true }).catch(() => undefined)));
  }

  async #write(result: DagFileResult, localImports: readonly string[], parseStartedAt: number): Promise<void> {
    if (result.errors.length > 0) return;
    const inputs: Array<{ path: string; sha256: string }> = [];
    for (const path of [result.file, ...localImports]) {
      const info = await stat(path).catch(() => null);
      const content = info === null || info.mtimeMs >= parseStartedAt ? null : await readFile(path).catch(() => null);
      if (content === null) return;
      inputs.push({ path, sha256: sha256(content) });
    }
    const entry: Entry = { file: result.file, context: this.#context, inputs, result: toStoredFileResult(result) };
    await mkdir(this.#dir, { recursive: true });
    // Written aside and renamed: a reader in another process sees the old entry or the new one, never half.
    const target = this.#entryPath(result.file);
    const temporary = `${target}.${process.pid}.${++writes}.tmp`;
    try {
      await writeFile(temporary, JSON.stringify(entry));
      await rename(temporary, target);
    } finally {
      await rm(temporary, { force: true });
    }
    this.#inputs.set(result.file, inputs);
  }

  async #read(file: string): Promise<Entry | undefined> {
    const text = await readFile(this.#entryPath(file), "utf8").catch(() => null);
    if (text === null) return undefined;
    try {
      return JSON.parse(text) as Entry;
    } catch {
      return undefined; // a damaged entry is a miss; the next store replaces it
    }
  }

  #entryPath(file: string): string {
    return join(this.#dir, entryName(file));
  }
}

/** Whether each input still has the content it was recorded with. */
export async function inputsUnchanged(inputs: readonly ParseInput[]): Promise<boolean> {
  for (const input of inputs) {
    const content = await readFile(input.path).catch(() => null);
    if (content === null || sha256(content) !== input.sha256) return false;
  }
  return true;
}

function entryName(file: string): string {
  return `${sha256(file).slice(0, 32)}${ENTRY_SUFFIX}`;
}

function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

let identity: string | undefined;

/** This Switchyard's DAG and config code, so a new build or version never reuses results of the old one. */
function codeIdentity(): string {
  if (identity !== undefined) return identity;
  const here = dirname(fileURLToPath(import.meta.url));
  const parts: string[] = [];
  for (const dir of [here, join(here, "..", "config")]) {
    for (const name of readdirSync(dir).sort()) {
      const info = statSync(join(dir, name));
      parts.push(`${name}:${info.size}:${info.mtimeMs}`);
    }
  }
  identity = sha256(parts.join("\n"));
  return identity;
}
