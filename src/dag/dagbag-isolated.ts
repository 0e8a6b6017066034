import { fork, spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseExecutorNames } from "../config/executor-names.js";
import { listDagFiles } from "./dag-files.js";
import { DagBagCollector, type DagFileResult } from "./dagbag.js";
import { isParseReport, type ParseRequest } from "./dagbag-protocol.js";
import { DagParseCache } from "./parse-cache.js";
import { fromStoredFileResult } from "./stored-form.js";
import type { DagBagResult, DagImportError } from "./types.js";

export interface ParseDagBagIsolatedOptions {
  readonly folder: string;
  readonly extraFolders?: readonly string[];
  /** `[core] executor` entries, as configured. */
  readonly executorEntries: readonly string[];
  /** $SWITCHYARD_HOME: custom executor paths resolve against it. */
  readonly home: string;
  /** Seconds one DAG file may take to import (`[core] dagbag_import_timeout`). */
  readonly timeoutSeconds: number;
  /** `[core] default_queue`. @defaultValue "default" */
  readonly defaultQueue?: string;
  /**
   * Folder of the parse cache (see parse-cache.ts): a file whose content, local imports and parse context
   * are unchanged since it was parsed is not imported again. @defaultValue no cache: every file is imported
   */
  readonly cacheDir?: string;
  /** Megabytes of JavaScript heap a parsing process may use (`[core] dagbag_import_memory_mb`). @defaultValue node's own limit */
  readonly memoryLimitMb?: number;
  /** Aborting kills the parsing process (and whatever it started) and rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

type ChildOutcome = { kind: "done" } | { kind: "aborted" } | { kind: "failed"; file: string | null; message: string };

const OWN_EXTENSION = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const WORKER_PATH = fileURLToPath(new URL(`./dagbag-worker${OWN_EXTENSION}`, import.meta.url));
/** Starting node (and tsx) is not the DAG files' fault: give it its own, generous limit. */
const STARTUP_TIMEOUT_MS = 30_000;
const OUTPUT_TAIL_CHARS = 2_000;
const EXIT_GRACE_MS = 1_000;

/**
 * Process groups of the parsing processes alive now. Each child leads its own group, so that what a DAG file
 * started dies with it; and they die when this process exits, since nothing else would end them.
 */
const liveGroups = new Set<number>();
process.on("exit", () => {
  for (const pgid of liveGroups) killGroup(pgid);
});

/**
 * Kills the group once this process is gone even by SIGKILL, when no 'exit' handler runs: a child
 * stuck in a DAG file's endless loop never sees its IPC channel close. Ends with the group.
 */
function killGroupWhenOrphaned(pgid: number): void {
  const script = `while kill -0 ${process.pid} 2>/dev/null && kill -0 -${pgid} 2>/dev/null; do sleep 1; done; kill -KILL -${pgid} 2>/dev/null`;
  spawn("sh", ["-c", script], { stdio: "ignore", detached: true }).unref();
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // ESRCH: the whole group is gone already.
  }
}

/**
 * Parses the DAG folder(s) in a child process, so that a DAG file that hangs, calls process.exit() or crashes
 * costs an import error of that file and nothing else. The child reports each file before importing it; when
 * it dies or overruns `timeoutSeconds` on a file, that file gets the error and a new child parses the rest.
 * With `cacheDir`, files the cache still holds are not sent to a child (none is started when all are cached).
 * Throws only for an invalid `executorEntries` (a configuration error, not a DAG file's).
 */
export async function parseDagBagIsolated(opts: ParseDagBagIsolatedOptions): Promise<DagBagResult> {
  parseExecutorNames(opts.executorEntries, opts.home);
  const { files, missingFolders } = await listDagFiles(dagFolders(opts));
  const cache = parseCacheOf(opts);
  // Collected per file and merged in file order at the end, so cached and parsed files rank the same way
  // when two of them define one DAG id.
  const results = new Map<string, DagFileResult>();
  const failures: DagImportError[] = [];
  let remaining: readonly string[] = files;
  if (cache !== null) {
    for (const file of files) {
      const hit = await cache.lookup(file);
      if (hit !== undefined) results.set(file, hit);
    }
    remaining = files.filter((file) => !results.has(file));
  }
  const parseStartedAt = Date.now();
  const stores: Array<Promise<void>> = [];
  while (remaining.length > 0) {
    opts.signal?.throwIfAborted();
    const outcome = await parseInChild(remaining, opts, (result, localImports) => {
      results.set(result.file, result);
      if (cache !== null && localImports !== null) stores.push(cache.store(result, localImports, parseStartedAt));
    });
    if (outcome.kind === "done") break;
    if (outcome.kind === "aborted") throw opts.signal?.reason ?? new Error("DAG parsing was aborted");
    const error = { filename: outcome.file ?? opts.folder, message: outcome.message };
    if (outcome.file === null) {
      failures.push(error);
      // Without a culprit a new child would fail the same way: stop rather than loop.
      break;
    }
    results.set(outcome.file, { file: outcome.file, dags: [], errors: [error] });
    remaining = remaining.filter((file) => !results.has(file));
  }
  if (cache !== null) {
    await Promise.all(stores);
    await cache.keepOnly(files);
  }
  const bag = new DagBagCollector(files, missingFolders);
  for (const file of files) {
    const result = results.get(file);
    if (result !== undefined) bag.add(result);
  }
  for (const failure of failures) bag.addError(failure);
  const result = bag.result();
  // What the result was made from, when every file's is known: a record of it tells a later process
  // that the result still holds without parsing (see scheduler/sync-stamp.ts).
  const inputs = result.errors.length === 0 ? cache?.inputsOf(files) : undefined;
  return inputs === undefined ? result : { ...result, inputs };
}

/** Every folder a parse with `opts` covers, in order. */
export function dagFolders(opts: Pick<ParseDagBagIsolatedOptions, "folder" | "extraFolders">): string[] {
  return [opts.folder, ...(opts.extraFolders ?? [])];
}

/** The parse cache a parse with `opts` uses (null: none), its context made of the options that shape a result. */
export function parseCacheOf(opts: ParseDagBagIsolatedOptions): DagParseCache | null {
  if (opts.cacheDir === undefined) return null;
  return new DagParseCache({ dir: opts.cacheDir, context: { executorEntries: opts.executorEntries, home: opts.home, defaultQueue: opts.defaultQueue ?? null } });
}

function parseInChild(
  files: readonly string[],
  opts: ParseDagBagIsolatedOptions,
  onFile: (result: DagFileResult, localImports: readonly string[] | null) => void,
): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const child = fork(WORKER_PATH, [], {
      execArgv: [...workerExecArgv(), ...(opts.memoryLimitMb !== undefined ? [`--max-old-space-size=${opts.memoryLimitMb}`] : [])],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      // Its own process group: ending it ends whatever a DAG file started (see finish).
      detached: true,
      env: { ...process.env, SWITCHYARD_HOME: opts.home },
      serialization: "json",
    });
    let output = "";
    const keepTail = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout?.on("data", keepTail);
    child.stderr?.on("data", keepTail);

    let current: string | null = null;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (outcome: ChildOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      child.removeAllListeners("message");
      // The whole group, even when the child itself has exited: a process a DAG file started may still hold
      // the output pipes, and reading them would keep this process alive.
      if (child.pid !== undefined) {
        killGroup(child.pid);
        liveGroups.delete(child.pid);
      }
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve(outcome);
    };
    const arm = (ms: number, onTimeout: () => ChildOutcome) => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(onTimeout()), ms);
    };
    const fileTimeout = () => {
      const seconds = opts.timeoutSeconds;
      return current === null
        ? { kind: "failed" as const, file: null, message: `DAG parsing timed out after ${seconds}s between files${withOutput(output)}` }
        : {
            kind: "failed" as const,
            file: current,
            message:
              `DAG parsing timed out after ${seconds}s while importing ${current}; the file was skipped. ` +
              `Does it loop forever or wait for something that never finishes? (limit: [core] dagbag_import_timeout)${withOutput(output)}`,
          };
    };

    arm(STARTUP_TIMEOUT_MS, () => ({ kind: "failed", file: null, message: `The DAG parsing process did not start within ${STARTUP_TIMEOUT_MS / 1000}s${withOutput(output)}` }));
    child.on("message", (message: unknown) => {
      if (!isParseReport(message)) return;
      switch (message.type) {
        case "ready": {
          const request: ParseRequest = {
            type: "parse",
            files,
            executorEntries: opts.executorEntries,
            home: opts.home,
            ...(opts.defaultQueue !== undefined ? { defaultQueue: opts.defaultQueue } : {}),
          };
          child.send(request);
          arm(opts.timeoutSeconds * 1000, fileTimeout);
          break;
        }
        case "importing":
          current = message.file;
          output = ""; // so a crash report shows this file's output, not an earlier one's
          arm(opts.timeoutSeconds * 1000, fileTimeout);
          break;
        case "file":
          onFile(fromStoredFileResult(message.result), message.localImports);
          current = null;
          arm(opts.timeoutSeconds * 1000, fileTimeout);
          break;
        case "fatal":
          finish({ kind: "failed", file: null, message: `DAG parsing failed: ${message.message}` });
          break;
        case "done":
          finish({ kind: "done" });
          break;
      }
    });
    if (child.pid !== undefined) {
      liveGroups.add(child.pid);
      killGroupWhenOrphaned(child.pid);
    }
    const onAbort = () => finish({ kind: "aborted" });
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", (error) => finish({ kind: "failed", file: null, message: `Could not start the DAG parsing process: ${error.message}` }));
    // 'exit' may come before the last IPC message has been read, 'disconnect' comes after it. Never 'close':
    // a process the DAG file started may hold the output pipes open for as long as it likes.
    const ended = (code: number | null, signal: NodeJS.Signals | null) => {
      const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
      if (opts.memoryLimitMb !== undefined && ranOutOfMemory(signal, output)) {
        const where = current === null ? "" : ` while importing ${current}; the file was skipped`;
        finish({
          kind: "failed",
          file: current,
          message: `The DAG parsing process ran out of memory${where} (limit: [core] dagbag_import_memory_mb = ${opts.memoryLimitMb})${withOutput(output)}`,
        });
        return;
      }
      finish(
        current === null
          ? { kind: "failed", file: null, message: `The DAG parsing process ${how} before it finished${withOutput(output)}` }
          : {
              kind: "failed",
              file: current,
              message:
                `The DAG parsing process ${how} while importing ${current}; the file was skipped. ` +
                `A DAG file must not call process.exit() or crash the process.${withOutput(output)}`,
            },
      );
    };
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (!child.connected) return ended(code, signal);
      child.once("disconnect", () => ended(code, signal));
      timer = setTimeout(() => ended(code, signal), EXIT_GRACE_MS);
    });
  });
}

/**
 * From source (tests, `node --import tsx`) the worker is a `.ts` file, so the child needs tsx from the start;
 * from dist it is plain JS and registers tsx itself. Never the parent's own execArgv (`--test`, `--inspect`).
 */
function workerExecArgv(): string[] {
  if (OWN_EXTENSION !== ".ts") return [];
  const tsx = createRequire(import.meta.url).resolve("tsx");
  return ["--import", pathToFileURL(tsx).href];
}

/** V8 aborts when the heap limit is reached, after saying so on stderr. */
function ranOutOfMemory(signal: NodeJS.Signals | null, output: string): boolean {
  return signal === "SIGABRT" || /heap out of memory|Reached heap limit/.test(output);
}

function withOutput(output: string): string {
  const trimmed = output.trim();
  return trimmed === "" ? "" : `\nOutput of the parsing process (last lines):\n${trimmed}`;
}
