import { Redis } from "ioredis";
import { errorLine } from "../../common/errors.js";
import { maskUrl, MASK } from "../../config/secret.js";
import type { CompiledBullMQExecutorOptions } from "./options.js";

/**
 * A Redis client for BullMQ and our own keys. `maxRetriesPerRequest: null`: BullMQ requires it for
 * workers' blocking commands, and a command waiting through a Redis restart is what every caller
 * here wants (its loop reports the outage itself). `connectionName` shows up in CLIENT LIST.
 */
export function createRedis(options: CompiledBullMQExecutorOptions, role: string): Redis {
  const client = new Redis(options.redisUrl.reveal(), {
    maxRetriesPerRequest: null,
    connectionName: `switchyard-${role}`,
    // Reconnect quickly after a restart, but never faster than every 100 ms or slower than every 2 s.
    retryStrategy: (times) => Math.min(2_000, 100 * times),
    lazyConnect: false,
  });
  // ioredis emits 'error' on every failed reconnect: the callers' loops report outages once, with context.
  client.on("error", () => undefined);
  return client;
}

/**
 * A Redis client for a command that looks once and exits (`switchyard fleet`): a Redis that does
 * not answer within a few seconds is an error to report, not an outage to wait out.
 */
export function createOneShotRedis(options: CompiledBullMQExecutorOptions, role: string): Redis {
  const client = new Redis(options.redisUrl.reveal(), {
    maxRetriesPerRequest: 1,
    connectionName: `switchyard-${role}`,
    connectTimeout: 5_000,
    retryStrategy: (times) => (times > 2 ? null : 200),
  });
  // ioredis emits 'error' on every failed reconnect: the callers' loops report outages once, with context.
  client.on("error", () => undefined);
  return client;
}

/**
 * One line saying what went wrong with Redis, with the URL's password masked wherever it could
 * appear (ioredis and BullMQ may quote the URL or the AUTH argument in their messages).
 */
export function redisErrorLine(error: unknown, options: Pick<CompiledBullMQExecutorOptions, "redisUrl">): string {
  const url = options.redisUrl.reveal();
  let line = errorLine(error).split(url).join(maskUrl(url));
  const password = passwordOf(url);
  if (password !== null && password.length > 0) line = line.split(password).join(MASK);
  return line;
}

function passwordOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.password === "" ? null : decodeURIComponent(parsed.password);
  } catch {
    return null;
  }
}

/** Where this executor's Redis is, for messages: the URL with its password masked. */
export function redisWhere(options: Pick<CompiledBullMQExecutorOptions, "redisUrl">): string {
  return options.redisUrl.toString();
}

/** How long a connection may take before "waiting for Redis" is said even without an error (a host that drops packets). */
const SAY_WAITING_AFTER_MS = 2_000;

/**
 * Resolves once `client` is ready (or `signal` aborts). While it is not, says once, through `say`,
 * where Redis is expected (password masked) and why it does not answer; the client keeps
 * reconnecting by itself (createRedis's retryStrategy).
 */
export function waitForRedis(
  client: Redis,
  options: Pick<CompiledBullMQExecutorOptions, "redisUrl">,
  say: (line: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  if (client.status === "ready" || signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    let said = false;
    const tell = (why: string) => {
      if (said) return;
      said = true;
      say(`waiting for Redis at ${redisWhere(options)} (${why}); retrying until it answers`);
    };
    const onError = (error: unknown) => tell(redisErrorLine(error, options));
    const timer = setTimeout(() => tell(`no answer within ${SAY_WAITING_AFTER_MS / 1000} s`), SAY_WAITING_AFTER_MS);
    const done = () => {
      clearTimeout(timer);
      client.off("ready", done);
      client.off("error", onError);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    client.on("ready", done);
    client.on("error", onError);
    signal?.addEventListener("abort", done);
  });
}

/**
 * For one-off reads (a CLI asking for a log): null once `client` is ready, or, if it is not within
 * `timeoutMs`, why not, so the caller can say so instead of waiting for ever (commands on these
 * clients wait through outages: maxRetriesPerRequest is null).
 */
export async function notReadyWithin(client: Redis, options: Pick<CompiledBullMQExecutorOptions, "redisUrl">, timeoutMs: number): Promise<string | null> {
  let why = "no answer";
  const onError = (error: unknown) => (why = redisErrorLine(error, options));
  client.on("error", onError);
  const stop = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    const ready = await Promise.race([
      waitForRedis(client, options, () => undefined, stop.signal).then(() => client.status === "ready"),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    return ready ? null : `Redis at ${redisWhere(options)} did not answer within ${Math.round(timeoutMs / 1000)} s (${why})`;
  } finally {
    clearTimeout(timer);
    stop.abort();
    client.off("error", onError);
  }
}
