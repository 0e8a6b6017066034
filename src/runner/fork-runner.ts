import { fork, type ChildProcess } from "node:child_process";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunnerFolders } from "../common/workload.js";

/**
 * Absolute path of a module next to this one, with this module's own extension: `.ts` when
 * running from source under tsx, `.js` from dist. One place decides this for every fork.
 */
export function siblingModulePath(baseName: string): string {
  const here = fileURLToPath(import.meta.url);
  return join(dirname(here), `${baseName}${extname(here)}`);
}

/** The entry module of a warm runner child. */
export function runnerProcessPath(): string {
  return siblingModulePath("runner-process");
}

/**
 * Flags the child inherits from this process: loader flags such as `--import tsx` must carry
 * over (tests and `tsx` runs need them to load `.ts`), but not the test runner or an inspector
 * port, which would clash with the parent's.
 */
export function inheritedExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    if (/^--(test|inspect|debug)(-|=|$)/.test(arg) || arg === "--watch" || arg.startsWith("--watch-")) continue;
    kept.push(arg);
  }
  return kept;
}

export interface ForkRunnerOptions {
  /** Where the runner resolves its tries' DAG files and writes their logs; passed as its one argument (JSON). */
  folders: RunnerFolders;
  /** Environment of the child. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** The child's own stdout/stderr (outside tries: protocol warnings). @defaultValue "inherit" */
  output?: "inherit" | "pipe";
}

/** Start a runner child with an IPC channel; its own stdout/stderr (outside tries) are inherited. */
export function forkRunnerProcess(options: ForkRunnerOptions): ChildProcess {
  return fork(runnerProcessPath(), [JSON.stringify(options.folders)], {
    execArgv: inheritedExecArgv(),
    env: options.env ?? process.env,
    stdio: ["ignore", options.output ?? "inherit", options.output ?? "inherit", "ipc"],
    serialization: "json",
  });
}
