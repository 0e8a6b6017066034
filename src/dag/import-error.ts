import { fileURLToPath } from "node:url";
import { coerceError } from "../common/errors.js";

/**
 * The import-error text for something a DAG file threw while being imported: the error's name and message,
 * then the line of the DAG file where it happened when the stack shows it.
 */
export function describeImportFailure(file: string, thrown: unknown): string {
  const error = coerceError(thrown);
  const head = `${error.name}: ${error.message}`;
  const where = locationIn(file, error.stack ?? "");
  return where === null ? head : `${head}\n  at ${where}`;
}

/** "/dags/etl.ts:12:7" from the first stack frame in `file`, without the loader's query string. */
function locationIn(file: string, stack: string): string | null {
  for (const line of stack.split("\n").slice(1)) {
    const match = /(file:\/\/[^\s?)]+|\/[^\s?()]+)(?:\?[^\s)]*?)?:(\d+):(\d+)/.exec(line);
    if (match === null) continue;
    const path = match[1]!.startsWith("file:") ? safePath(match[1]!) : match[1]!;
    if (path === file) return `${path}:${match[2]}:${match[3]}`;
  }
  return null;
}

function safePath(url: string): string | null {
  try {
    return fileURLToPath(url);
  } catch {
    return null;
  }
}
