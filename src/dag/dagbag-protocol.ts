import type { StoredDagFileResult } from "./stored-form.js";

/** The one message the parent sends a DAG-parsing child. */
export interface ParseRequest {
  readonly type: "parse";
  readonly files: readonly string[];
  readonly executorEntries: readonly string[];
  readonly home: string;
  readonly defaultQueue?: string;
}

/** What the child reports, in order: ready, then per file importing + file, then done (or fatal). */
export type ParseReport =
  | { readonly type: "ready" }
  | { readonly type: "importing"; readonly file: string }
  /** `localImports`: the local files the DAG file imported, directly or not (absolute paths); null when unknown. */
  /** `result`'s DAGs in stored form (stored-form.ts): a large DAG is a fraction of the size written out in full. */
  | { readonly type: "file"; readonly result: StoredDagFileResult; readonly localImports: readonly string[] | null }
  | { readonly type: "fatal"; readonly message: string }
  | { readonly type: "done" };

const REPORT_TYPES: ReadonlySet<string> = new Set(["ready", "importing", "file", "fatal", "done"]);

export function isParseRequest(message: unknown): message is ParseRequest {
  const m = message as Partial<ParseRequest> | null;
  return typeof m === "object" && m !== null && m.type === "parse" && Array.isArray(m.files) && Array.isArray(m.executorEntries) && typeof m.home === "string";
}

export function isParseReport(message: unknown): message is ParseReport {
  const m = message as { type?: unknown } | null;
  return typeof m === "object" && m !== null && typeof m.type === "string" && REPORT_TYPES.has(m.type);
}
