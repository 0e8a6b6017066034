import { z } from "../../common/zod.js";
import { maskUrl, Secret } from "../../config/secret.js";
import { compileExecutorSection, intSetting } from "../options.js";

/** `[executors.<name>]` settings of a BullMQExecutor; `switchyard worker` reads the same section. */
export interface BullMQExecutorOptions {
  /**
   * The Redis to use: `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS.
   * @defaultValue "redis://127.0.0.1:6379"
   */
  redis_url?: string;
  /**
   * Prefix of every Redis key this executor and its workers use. Two executors (or two
   * installations on one Redis) share jobs only when their prefixes are equal.
   * @defaultValue "switchyard:<executor name>"
   */
  prefix?: string;
  /** Most tries this executor has queued or running in the fleet at once. @defaultValue `[core] parallelism` */
  parallelism?: number;
  /** Seconds without a worker heartbeat before the tries it holds count as lost (failed). @defaultValue 30 */
  worker_timeout?: number;
}

export interface CompiledBullMQExecutorOptions {
  /** Masked when printed; `reveal()` only where the Redis client is created. */
  readonly redisUrl: Secret;
  readonly prefix: string;
  readonly parallelism: number;
  /** `worker_timeout`, in milliseconds. */
  readonly workerTimeoutMs: number;
}

export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
const DEFAULT_WORKER_TIMEOUT = 30;

/**
 * BullMQ joins its prefix and a queue name with ":" and uses the result in Redis keys and Lua
 * scripts; braces would change Redis Cluster hashing and whitespace breaks no key but every
 * `redis-cli` session, so the prefix is kept to a plain charset.
 */
const PREFIX = /^[A-Za-z0-9_.:-]+$/;

const schema = z.object({
  redis_url: z
    .string({ error: "must be a string: a redis:// or rediss:// URL" })
    .refine((url) => redisUrlProblem(url) === null, { error: (issue) => redisUrlProblem(String(issue.input)) ?? "invalid" })
    .optional(),
  prefix: z
    .string({ error: "must be a string" })
    .regex(PREFIX, { error: 'may only contain letters, digits, "_", "-", "." and ":" (e.g. "switchyard:fleet")' })
    .optional(),
  parallelism: intSetting(1, "an integer >= 1 (the most tries queued or running in the fleet at once)").optional(),
  worker_timeout: intSetting(1, "an integer >= 1 (seconds without a worker heartbeat before its tries count as lost)").optional(),
});

/** Why `url` is not a Redis URL this executor can use, or null. The message never contains a password. */
function redisUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not a URL; write redis://host:6379, redis://:password@host:6379/0 or rediss://host:6380";
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    return `must start with redis:// or rediss:// (TLS), not ${parsed.protocol}//`;
  }
  if (parsed.hostname === "") return "names no host; write redis://host:6379";
  const db = parsed.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d+$/.test(db)) return `has path /${db}; the only path a Redis URL takes is a database number, e.g. /0`;
  return null;
}

/** Validate `[executors.<name>]` of a BullMQExecutor and fill defaults; throws ExecutorOptionsError naming the key. */
export function compileBullMQExecutorOptions(
  raw: Readonly<Record<string, unknown>>,
  context: { readonly executor: string; readonly defaultParallelism: number },
): CompiledBullMQExecutorOptions {
  const rawUrl = revealed(raw["redis_url"]);
  const options: BullMQExecutorOptions = compileExecutorSection(context.executor, schema, maskedForErrors({ ...raw, redis_url: rawUrl }));
  const url = typeof rawUrl === "string" ? rawUrl : (options.redis_url ?? DEFAULT_REDIS_URL);
  return Object.freeze({
    redisUrl: Secret.url(url),
    prefix: options.prefix ?? `switchyard:${context.executor}`,
    parallelism: options.parallelism ?? context.defaultParallelism,
    workerTimeoutMs: (options.worker_timeout ?? DEFAULT_WORKER_TIMEOUT) * 1000,
  });
}

/**
 * The config loader hands an executor section's secret-looking values over as Secrets (a
 * redis_url with a password is one): the URL inside is what is validated and used.
 */
function revealed(value: unknown): unknown {
  return value instanceof Secret ? value.reveal() : value;
}

/**
 * The section as validated: a redis_url with a password is checked in its masked form (the same
 * shape: scheme, host, port, db), so no error message can quote the password. A value that is not
 * a URL but has an "@" may hold one where maskUrl cannot find it: it is validated (and quoted) as a
 * placeholder that is no URL either.
 */
function maskedForErrors(raw: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  const url = raw["redis_url"];
  if (url === undefined) {
    const { redis_url: _unset, ...rest } = raw;
    return rest;
  }
  if (typeof url !== "string") return raw;
  const shown = URL.canParse(url) || !url.includes("@") ? maskUrl(url) : "(not shown: not a URL, and it may hold a password)";
  return { ...raw, redis_url: shown };
}
