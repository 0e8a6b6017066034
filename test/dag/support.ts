import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { TestContext } from "node:test";
import { parseExecutorNames, type ExecutorName } from "../../src/config/executor-names.js";

/** The quickstart's executors: default LocalExecutor, a SequentialExecutor and an aliased LocalExecutor. */
export const QUICKSTART_EXECUTORS = ["LocalExecutor", "SequentialExecutor", "fast:LocalExecutor"] as const;

export function quickstartExecutorNames(): ExecutorName[] {
  return parseExecutorNames(QUICKSTART_EXECUTORS, "/");
}

/** A fresh directory under the OS temp dir (outside this package), removed after the test. */
export function tempDir(t: TestContext, prefix = "switchyard-dag-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `files` (relative path → text) under `dir`; returns the absolute path of each. */
export function writeFiles(dir: string, files: Record<string, string>): Record<string, string> {
  const paths: Record<string, string> = {};
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    paths[name] = path;
  }
  return paths;
}
