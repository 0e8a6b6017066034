import { AsyncLocalStorage } from "node:async_hooks";
import { coerceError } from "../common/errors.js";

/** The try (its keyString) whose code runs in the current async context. */
const currentTry = new AsyncLocalStorage<string>();

/** Run `fn` (a try) so that what its code does outside its promise is traced back to `id`. */
export function runAsTry<T>(id: string, fn: () => T): T {
  return currentTry.run(id, fn);
}

/** The try whose code is running now (its keyString), or undefined in the runner's own code. */
export function currentTryId(): string | undefined {
  return currentTry.getStore();
}

/**
 * An exception thrown in a callback, or a rejection nobody awaited, ends a Node process — in a warm
 * runner, every try of every DAG it holds. Instead, one raised by a try's code goes to `failTry`
 * (its keyString and the error), which fails that try alone; one from anywhere else (the runner's
 * own code) still ends the process, as a bug should, after saying what it was on stderr.
 */
export function catchStrayErrors(failTry: (id: string, error: Error) => void): void {
  const onError = (raw: unknown) => {
    const error = coerceError(raw);
    const id = currentTry.getStore();
    if (id !== undefined) {
      failTry(id, error);
      return;
    }
    process.stderr.write(`switchyard runner: ${error.stack ?? error.message}\n`);
    process.exit(1);
  };
  process.on("uncaughtException", onError);
  process.on("unhandledRejection", onError);
}
