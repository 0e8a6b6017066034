import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";

const MODULE_FILE = /\.(?:ts|mts|js|mjs)$/;
const DECLARATION_FILE = /\.d\.m?ts$/;

/** Whether a file name can hold a DAG: `.ts .mts .js .mjs`, not a `.d.ts` declaration. */
export function isDagFileName(name: string): boolean {
  return MODULE_FILE.test(name) && !DECLARATION_FILE.test(name);
}

/**
 * Every module file under the folders (recursive, absolute, sorted per folder), skipping node_modules and
 * dot-directories. A folder that does not exist is listed in `missingFolders`, not thrown: an empty
 * deployment has no dags folder yet. A "folder" that is a module file is taken as itself.
 */
export async function listDagFiles(folders: readonly string[]): Promise<{ files: string[]; missingFolders: string[] }> {
  const files: string[] = [];
  const missingFolders: string[] = [];
  for (const folder of folders.map((f) => resolve(f))) {
    const info = await stat(folder).catch(() => null);
    if (info === null) missingFolders.push(folder);
    else if (info.isDirectory()) files.push(...(await walk(folder)).sort());
    else if (isDagFileName(folder)) files.push(folder);
  }
  return { files: [...new Set(files)], missingFolders };
}

async function walk(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && !entry.name.startsWith(".")) found.push(...(await walk(path)));
    } else if ((entry.isFile() || entry.isSymbolicLink()) && isDagFileName(entry.name)) {
      found.push(path);
    }
  }
  return found;
}
