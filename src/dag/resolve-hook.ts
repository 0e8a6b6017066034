/**
 * Module resolve hook for DAG files, registered by `registerDagLoader()` with `module.register()`.
 * Runs on Node's hooks thread, so it imports nothing of ours.
 *
 * 1. The bare specifier `@switchyard/core` resolves to this package's entry point, so DAG files anywhere on
 *    disk (outside any package that depends on it) import the same API the scheduler runs.
 * 2. Files reached from a DAG file import (marked with the DAG_QUERY query parameter) are ES modules,
 *    as the DAG-file contract says, even in a folder without `"type": "module"` where tsx would compile
 *    them to CommonJS (which resolves `@switchyard/core` and caches modules without these hooks).
 * 3. The mark carries a token; a fresh import uses a new token, so the DAG file and the local files it
 *    imports are read again while `@switchyard/core` and node_modules stay shared.
 * 4. Given a port, it posts each marked import (module and importer) on it, so the DAG-parsing process knows
 *    which local files each DAG file depends on (see local-imports.ts; the parse cache keys on them).
 */

export const DAG_QUERY = "switchyard-dag";
/** The name DAG files import us by (package.json "name"). */
export const PACKAGE_NAME = "@switchyard/core";

interface HookData {
  readonly indexUrl: string;
  readonly port?: { postMessage(message: { parentUrl: string | null; url: string }): void };
}

interface ResolveContext {
  readonly parentURL?: string;
  readonly conditions?: readonly string[];
  readonly importAttributes?: Record<string, string>;
}

interface ResolveResult {
  readonly url: string;
  readonly format?: string | null;
  readonly shortCircuit?: boolean;
  readonly importAttributes?: Record<string, string>;
}

type NextResolve = (specifier: string, context?: ResolveContext) => ResolveResult | Promise<ResolveResult>;

// tsx marks files it will compile to CommonJS with these query parameters, and with the virtual one it
// also appends "%3F<params>" to the path; once the file is loaded as ESM they must go.
const TSX_PREPARSE = "tsx-commonjs-export-preparse";
const TSX_VIRTUAL_QUERY = "tsx-commonjs-virtual-query";
const ESM_CANDIDATE = /\.(?:[mc]?ts|tsx|[m]?js|jsx)$/;
const COMMONJS_EXPLICIT = /\.c[jt]s$/;

let indexUrl = "";
let port: HookData["port"];

export function initialize(data: HookData): void {
  indexUrl = data.indexUrl;
  port = data.port;
}

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<ResolveResult> {
  if (specifier === PACKAGE_NAME) return nextResolve(indexUrl, context);
  const result = await nextResolve(specifier, context);
  const token = tokenOf(result.url) ?? tokenOf(context.parentURL);
  if (token === null || !result.url.startsWith("file:") || result.url.includes("/node_modules/")) return result;
  const url = withoutTsxCommonjsMarks(new URL(result.url));
  url.searchParams.set(DAG_QUERY, token);
  port?.postMessage({ parentUrl: context.parentURL ?? null, url: url.href });
  const commonjs = result.format === "commonjs" || result.format === "commonjs-typescript";
  const forceModule = commonjs && ESM_CANDIDATE.test(url.pathname) && !COMMONJS_EXPLICIT.test(url.pathname);
  return { ...result, url: url.href, format: forceModule ? "module" : result.format };
}

function withoutTsxCommonjsMarks(url: URL): URL {
  if (url.searchParams.has(TSX_VIRTUAL_QUERY)) {
    const cut = url.pathname.toLowerCase().lastIndexOf("%3f");
    if (cut >= 0) url.pathname = url.pathname.slice(0, cut);
  }
  url.searchParams.delete(TSX_PREPARSE);
  url.searchParams.delete(TSX_VIRTUAL_QUERY);
  return url;
}

function tokenOf(url: string | undefined): string | null {
  if (url === undefined || !url.startsWith("file:")) return null;
  const query = url.indexOf("?");
  if (query < 0) return null;
  return new URLSearchParams(url.slice(query + 1).split("#", 1)[0]).get(DAG_QUERY);
}
