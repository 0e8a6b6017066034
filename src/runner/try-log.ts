import { appendFileSync, closeSync, fstatSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { format } from "node:util";
import { mkdirPrivate, PRIVATE_FILE_MODE } from "../common/private-files.js";

/**
 * The log file of one try. Opened in append mode (each try has its own path, and a runner that
 * re-runs a try after a crash must not erase what the first attempt wrote). Writes are synchronous
 * so that the runner's lines and the task's output land in the order they happened.
 *
 * The task's output (write, taskLine) stops at `maxBytes`, with one line saying so; the runner's own
 * lines (line) are always written, so a truncated log still says how its try ended.
 */
export class TryLog {
  #closed = false;
  #size: number;
  #truncated = false;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly maxBytes: number | undefined,
  ) {
    this.#size = fstatSync(fd).size;
  }

  /**
   * Synchronous inside (two quick local syscalls): a round trip through libuv's thread pool for
   * each would cost more than the calls themselves. A plain descriptor, not a FileHandle, which
   * would close it behind our back when collected.
   */
  static async open(path: string, maxBytes?: number): Promise<TryLog> {
    mkdirPrivate(dirname(path));
    return new TryLog(path, openSync(path, "a", PRIVATE_FILE_MODE), maxBytes);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The task's raw output (stdout/stderr), up to the size cap. Dropped once the try is over. */
  write(chunk: string | Uint8Array): void {
    if (this.#closed || this.#truncated) return;
    const length = typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (this.maxBytes === undefined || this.#size + length <= this.maxBytes) {
      this.#append(chunk);
      return;
    }
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    this.#append(bytes.subarray(0, Math.max(0, this.maxBytes - this.#size)));
    this.#truncated = true;
    const mb = Number((this.maxBytes / 1024 / 1024).toFixed(3));
    this.line(`\nswitchyard: log truncated at ${mb} MB ([logging] max_task_log_mb); later output of this try is dropped`);
  }

  /** A timestamped line from the task (ctx.log), counted against the size cap. */
  taskLine(...args: unknown[]): void {
    this.write(stamp(args));
  }

  /** A timestamped line from the runner itself, formatted like console.log formats its arguments. */
  line(...args: unknown[]): void {
    if (!this.#closed) this.#append(stamp(args));
  }

  #append(chunk: string | Uint8Array): void {
    try {
      this.#size += typeof chunk === "string" ? writeSync(this.fd, chunk) : writeSync(this.fd, chunk);
    } catch {
      // A full disk must not turn a finished task into a crashed runner; the footer will be missing.
    }
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

function stamp(args: unknown[]): string {
  return stampedLine(format(...args));
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
    appendFileSync(path, stampedLine(`switchyard: ${why}`), { mode: PRIVATE_FILE_MODE });
  } catch {
    // The try's own footer is missing either way; the scheduler's log says what happened.
  }
}
