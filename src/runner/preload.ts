import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { registerDagLoader } from "../dag/loader.js";

/**
 * Set up what every DAG file needs before the first try asks for it: the DAG loader (tsx and the
 * `switchyard` resolve hook) and the `switchyard` API module, which DAG files import. A fresh
 * runner (process isolation, or a replacement) then spends its first try on the DAG file alone.
 * Nothing of a DAG file is imported, so a runner that preloaded has run no user code.
 * Failures are ignored: the first try that needs the loader reports them.
 */
export async function preloadDagRuntime(): Promise<void> {
  try {
    await registerDagLoader();
    const ownExtension = extname(fileURLToPath(import.meta.url));
    await import(new URL(`../index${ownExtension}`, import.meta.url).href);
  } catch {
    // reported by the first try that loads a DAG file
  }
}
