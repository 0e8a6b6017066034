import type { Redis } from "ioredis";
import { SwitchyardError } from "../../common/errors.js";
import type { SwitchyardConfig } from "../../config/types.js";
import { createOneShotRedis, redisErrorLine, redisWhere } from "./connection.js";
import { bullmqEntries, type BullMQEntry } from "./entries.js";

/**
 * Read something from the Redis of each BullMQExecutor entry `--executor` picks (every one when
 * unset) and concatenate the rows. One client per entry, closed afterwards; a Redis that does not
 * answer is an error naming the entry and its (masked) URL.
 */
export async function readFleet<T>(config: SwitchyardConfig, wanted: string | undefined, read: (redis: Redis, entry: BullMQEntry) => Promise<T[]>): Promise<T[]> {
  const rows: T[] = [];
  for (const entry of bullmqEntries(config, wanted)) {
    const redis = createOneShotRedis(entry.options, "fleet");
    let lastError: unknown = null;
    redis.on("error", (error: unknown) => (lastError = error));
    try {
      rows.push(...(await read(redis, entry)));
    } catch (error) {
      throw new SwitchyardError(
        "FLEET_REDIS",
        `executor ${entry.name}: cannot read Redis at ${redisWhere(entry.options)}: ${redisErrorLine(lastError ?? error, entry.options)}`,
      );
    } finally {
      redis.disconnect();
    }
  }
  return rows;
}
