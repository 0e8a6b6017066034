import { debuglog } from "node:util";
import type { ExecutorLogger } from "./types.js";

const debug = debuglog("switchyard");

/** Used when no logger is given: quiet unless NODE_DEBUG=switchyard, problems on stderr. */
export function defaultExecutorLogger(executor: string): ExecutorLogger {
  const prefix = `executor ${executor}:`;
  return {
    debug: (message) => debug("%s %s", prefix, message),
    info: (message) => debug("%s %s", prefix, message),
    warn: (message) => process.stderr.write(`WARN ${prefix} ${message}\n`),
    error: (message) => process.stderr.write(`ERROR ${prefix} ${message}\n`),
  };
}
