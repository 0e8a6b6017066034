import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { CLI } from "./paths.js";

/**
 * A long-running `switchyard` command of a benchmark (a scheduler, a fleet worker): its output
 * goes to `logFile`; it is ready when the caller's check says so, and stops with SIGTERM, then
 * SIGKILL if it does not exit in time.
 */
export class CliChild {
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  #exitCode: number | null | undefined;

  /** @param nodeFlags - flags for node itself (e.g. --cpu-prof), before the CLI's path. */
  constructor(
    readonly label: string,
    readonly logFile: string,
    args: readonly string[],
    options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv; readonly nodeFlags?: readonly string[] },
  ) {
    const out = fs.openSync(logFile, "a");
    this.#child = spawn(process.execPath, [...(options.nodeFlags ?? []), CLI, ...args], { env: options.env, cwd: options.cwd, stdio: ["ignore", out, out] });
    fs.closeSync(out);
    this.#exited = new Promise((resolve) => {
      this.#child.once("exit", (code) => {
        this.#exitCode = code;
        resolve(code);
      });
    });
  }

  get pid(): number {
    return this.#child.pid as number;
  }

  /** Resolves once `isReady()` holds (checked every 100 ms); fails if the process exits first or `timeoutMs` passes. */
  async ready(isReady: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.#exitCode !== undefined) throw new Error(`${this.label} exited (code ${this.#exitCode}) before it was ready:\n${this.logTail()}`);
      if (isReady()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.label} was not ready after ${timeoutMs / 1000}s:\n${this.logTail()}`);
  }

  /** Graceful stop (SIGTERM); SIGKILL if it has not exited after `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    if (this.#exitCode !== undefined) return;
    this.#child.kill("SIGTERM");
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), timeoutMs);
    await this.#exited;
    clearTimeout(timer);
  }

  logTail(lines = 20): string {
    try {
      return fs.readFileSync(this.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return `(no ${this.label} log)`;
    }
  }
}
