import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { listDagFiles } from "../dag/dag-files.js";
import { inputsUnchanged } from "../dag/parse-cache.js";
import type { ParseInput } from "../dag/types.js";

/**
 * What the last parse of the DAG folder wrote to a database, kept beside the parse cache: the
 * files it covered and the content of everything they were made from. A scheduler that starts
 * and finds them all as they were knows that the serialized DAGs in the database are current, so
 * its first pass need not wait for the parse (which still runs beside the loop and writes any
 * change). Made only from parse-cache inputs, so only when every file parsed without an import
 * error; a parse that cannot say removes it, and the next scheduler waits for its parse.
 *
 * Two processes that write different parses at the same moment may leave a stamp that is not the
 * database's last write; the stamp then names content that the files no longer have (a miss), unless
 * they were changed back meanwhile, and even then the parse beside the loop corrects the database.
 */
interface SyncStamp {
  /** The database written to (URL with the password masked, and schema). */
  readonly database: string;
  /** The parse cache's context key: the parse options and this code. */
  readonly context: string;
  /** The DAG files the parse covered, in its order. */
  readonly files: readonly string[];
  readonly inputs: readonly ParseInput[];
}

/** Where a home's stamp lives (not inside the parse cache's folder, whose unknown files it deletes). */
export function syncStampFile(home: string): string {
  return path.join(home, ".switchyard", "dag-sync-stamp.json");
}

/**
 * Records a parse written to `database`, or (null) removes the record: called with null before the
 * write, so a process that dies in between leaves none. Never throws: a stamp that cannot be
 * written costs the next scheduler's first pass a wait for its parse, nothing more.
 */
export async function writeSyncStamp(file: string, stamp: SyncStamp | null): Promise<void> {
  try {
    if (stamp === null) {
      await rm(file, { force: true });
      return;
    }
    await mkdir(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(stamp));
    await rename(temporary, file);
  } catch {
    // see above
  }
}

/** Whether the stamp says `database` holds the parse of `folders` as they are now, under `context`. */
export async function syncStampIsCurrent(file: string, expected: { database: string; context: string; folders: readonly string[] }): Promise<boolean> {
  let stamp: SyncStamp;
  try {
    stamp = JSON.parse(await readFile(file, "utf8")) as SyncStamp;
  } catch {
    return false; // none, or damaged
  }
  if (stamp.database !== expected.database || stamp.context !== expected.context || !Array.isArray(stamp.files) || !Array.isArray(stamp.inputs)) return false;
  const { files } = await listDagFiles(expected.folders);
  if (files.length !== stamp.files.length || files.some((f, i) => f !== stamp.files[i])) return false;
  return inputsUnchanged(stamp.inputs);
}
