import fs from "node:fs";
import { once } from "node:events";

/** How often --follow looks again when neither the file nor the database has announced a change. */
const FOLLOW_FALLBACK_MS = 1000;
const TAIL_CHUNK = 64 * 1024;

export interface FollowOptions {
  /** Whether the try writing the log is over (no more output will come). */
  done(): Promise<boolean>;
  /** Calls `wake` when the database may have changed (best effort); returns a function that stops. */
  watch(wake: () => void): () => void;
}

/**
 * Copy a log file to `out` without holding it in memory: all of it, or its last `tail` lines; with
 * `follow`, keep copying what is appended until the try is over.
 */
export async function streamLog(file: string, out: NodeJS.WritableStream, opts: { tail?: number; follow?: FollowOptions } = {}): Promise<void> {
  let position = opts.tail === undefined ? 0 : startOfLastLines(file, opts.tail);
  position = await copyFrom(file, position, out);
  if (opts.follow === undefined) return;
  const follow = opts.follow;
  // A change noticed while copying is kept, so the next wait does not sleep through it.
  let changed = false;
  let wake: () => void = () => void (changed = true);
  const onChange = () => wake();
  const stopWatchingFile = watchFile(file, onChange);
  const stopWatchingDb = follow.watch(onChange);
  try {
    for (;;) {
      changed = false;
      const over = await follow.done(); // asked before copying, so output written just before the end is not missed
      position = await copyFrom(file, position, out);
      if (over) return;
      if (changed) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, FOLLOW_FALLBACK_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = () => void (changed = true);
    }
  } finally {
    stopWatchingFile();
    stopWatchingDb();
  }
}

/** fs.watch where the platform has it; without it the fallback timer alone paces --follow. */
function watchFile(file: string, onChange: () => void): () => void {
  try {
    const watcher = fs.watch(file, onChange);
    watcher.on("error", () => undefined);
    return () => watcher.close();
  } catch {
    return () => undefined;
  }
}

/** Copies bytes from `start` to the current end; returns the new position. */
async function copyFrom(file: string, start: number, out: NodeJS.WritableStream): Promise<number> {
  const size = fs.statSync(file).size;
  if (size <= start) return start;
  // Not stream.pipeline with { end: false }: it leaves an error listener on `out` per call, and a
  // long --follow (or a pod's log) calls it hundreds of times (MaxListenersExceededWarning).
  for await (const chunk of fs.createReadStream(file, { start, end: size - 1 })) {
    if (!out.write(chunk as Buffer)) await once(out, "drain");
  }
  return size;
}

/** Byte offset where the last `lines` lines of the file begin, read backwards in chunks. */
function startOfLastLines(file: string, lines: number): number {
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    if (lines === 0) return size;
    const buffer = Buffer.alloc(TAIL_CHUNK);
    let end = size;
    let newlines = 0;
    let skipFinal = true; // a newline that ends the file closes the last line; it does not start one
    while (end > 0) {
      const start = Math.max(0, end - TAIL_CHUNK);
      const n = fs.readSync(fd, buffer, 0, end - start, start);
      for (let i = n - 1; i >= 0; i--) {
        if (buffer[i] !== 0x0a) {
          skipFinal = false;
          continue;
        }
        if (skipFinal) {
          skipFinal = false;
          continue;
        }
        if (++newlines === lines) return start + i + 1;
      }
      end = start;
    }
    return 0;
  } finally {
    fs.closeSync(fd);
  }
}
