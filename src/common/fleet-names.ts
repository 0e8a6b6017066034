/**
 * What a queue name and a worker name may be. Both end up in Redis: a queue name inside BullMQ's
 * keys (`<prefix>:<queue>:…`, so no ":"), a worker name in the worker registry, job lock tokens
 * and logs. Kept free of heavy imports: the CLI checks its arguments with these before loading
 * anything else.
 */

const QUEUE = /^[A-Za-z0-9_.-]+$/;
const WORKER_NAME = /^[A-Za-z0-9_.@-]+$/;
export const MAX_QUEUE_NAME = 100;
export const MAX_WORKER_NAME = 100;

/** Why `name` cannot be a queue name, or null. */
export function queueNameProblem(name: string): string | null {
  if (name === "") return "is empty";
  if (name.length > MAX_QUEUE_NAME) return `is ${name.length} characters long, over the limit of ${MAX_QUEUE_NAME}`;
  if (!QUEUE.test(name)) return 'may only contain letters, digits, "_", "-" and "."';
  return null;
}

/** Why `name` cannot be a worker name, or null. */
export function workerNameProblem(name: string): string | null {
  if (name === "") return "is empty";
  if (name.length > MAX_WORKER_NAME) return `is ${name.length} characters long, over the limit of ${MAX_WORKER_NAME}`;
  if (!WORKER_NAME.test(name)) return 'may only contain letters, digits, "_", "-", "." and "@"';
  return null;
}
