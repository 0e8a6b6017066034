import { setTimeout as sleep } from "node:timers/promises";

/**
 * Retries `fn` with exponential backoff (100 ms doubling to 5 s) until it succeeds or `budgetMs`
 * has passed, then rethrows its last error. For writes that must outlive a database restart.
 */
export async function withRetries<T>(fn: () => Promise<T>, budgetMs: number): Promise<T> {
  const deadline = Date.now() + budgetMs;
  let delay = 100;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() + delay > deadline) throw err;
      await sleep(delay);
      delay = Math.min(delay * 2, 5_000);
    }
  }
}
