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
