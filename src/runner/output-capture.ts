import { AsyncLocalStorage } from "node:async_hooks";

/** Where the output of the code running in the current async context goes. */
export interface OutputSink {
  write(chunk: string | Uint8Array): void;
}

const storage = new AsyncLocalStorage<OutputSink>();
let installed = false;

/**
 * Route process.stdout/stderr writes made inside `fn` (and everything it schedules) to `sink`.
 * Several tries can run concurrently in one process; each sees only its own sink.
 */
export function runWithOutput<T>(sink: OutputSink, fn: () => T): T {
  installOutputCapture();
  return storage.run(sink, fn);
}

/**
 * Patch process.stdout.write and process.stderr.write once per process. console.log and friends
 * look the method up on every call, so the patch catches them too. Outside a try the write falls
 * through to the real stream untouched.
 */
export function installOutputCapture(): void {
  if (installed) return;
  installed = true;
  patch(process.stdout);
  patch(process.stderr);
}

type WriteCallback = (error?: Error | null) => void;

function patch(stream: NodeJS.WriteStream): void {
  const original = stream.write;
  const routed = function (
    this: NodeJS.WriteStream,
    chunk: string | Uint8Array,
    encodingOrCallback?: BufferEncoding | WriteCallback,
    callback?: WriteCallback,
  ): boolean {
    const sink = storage.getStore();
    if (sink === undefined) {
      return (original as (...args: unknown[]) => boolean).call(this, chunk, encodingOrCallback, callback);
    }
    const encoding = typeof encodingOrCallback === "string" ? encodingOrCallback : undefined;
    const done = typeof encodingOrCallback === "function" ? encodingOrCallback : callback;
    sink.write(typeof chunk === "string" && encoding !== undefined && encoding !== "utf8" && encoding !== "utf-8"
      ? Buffer.from(chunk, encoding)
      : chunk);
    if (done !== undefined) process.nextTick(done, null);
    return true;
  };
  stream.write = routed as typeof stream.write;
}
