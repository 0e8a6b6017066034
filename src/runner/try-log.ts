import { appendFileSync, closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { format } from "node:util";

/**
 * The log file of one try. Opened in append mode (each try has its own path, and a runner that
 * re-runs a try after a crash must not erase what the first attempt wrote). Writes are synchronous
 * on an O_APPEND descriptor so that lines from the runner, the task's own output and a bash child
 * writing to the same descriptor land in the order they happened.
 */
export class TryLog {
  #closed = false;

  private constructor(
    readonly path: string,
    /** Exposed so a bash child can write to the same file directly. */
    readonly fd: number,
  ) {}

  /**
   * Synchronous inside (two quick local syscalls): a round trip through libuv's thread pool for
   * each would cost more than the calls themselves. A plain descriptor, not a FileHandle, which
   * would close it behind our back when collected.
   */
  static async open(path: string): Promise<TryLog> {
    mkdirSync(dirname(path), { recursive: true });
    return new TryLog(path, openSync(path, "a"));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Raw output (the task's stdout/stderr). Dropped once the try is over. */
  write(chunk: string | Uint8Array): void {
    if (this.#closed) return;
    try {
      if (typeof chunk === "string") writeSync(this.fd, chunk);
      else writeSync(this.fd, chunk);
    } catch {
      // A full disk must not turn a finished task into a crashed runner; the footer will be missing.
    }
  }

  /** One timestamped line, formatted like console.log formats its arguments. */
  line(...args: unknown[]): void {
    this.write(stampedLine(format(...args)));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      closeSync(this.fd);
    } catch {
      // Already closed: nothing left to do.
    }
  }
}

/** A log line as TryLog writes it: the time, then the text. */
export function stampedLine(text: string): string {
  return `[${new Date().toISOString()}] ${text}\n`;
}

/**
 * One line at the end of the log of a try that is being stopped from outside it (its runner is
 * exiting, or is gone): why it stopped. Synchronous, for a process on its way out; a log that
 * cannot be written is left as it is.
 */
export function appendClosingLine(path: string, why: string): void {
  try {
    appendFileSync(path, stampedLine(`switchyard: ${why}`));
  } catch {
    // The try's own footer is missing either way; the scheduler's log says what happened.
  }
}
