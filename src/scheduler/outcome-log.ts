import { formatKey, type TaskInstanceKey } from "../common/keys.js";
import type { Logger } from "../common/logger.js";

/**
 * The scheduler's log lines for the outcomes an operator watches for: a failed try, a retry and
 * when it comes due, a finished run. Each is written once, by the scheduler whose guarded
 * transition applied it, after its transaction committed.
 */
export type OutcomeLogger = Pick<Logger, "info" | "warn">;

export function logFailedTry(log: OutcomeLogger, key: TaskInstanceKey, reason: string): void {
  log.warn(`try failed: ${formatKey(key)}: ${reason}`);
}

export function logRetry(log: OutcomeLogger, key: TaskInstanceKey, dueAt: number): void {
  log.info(`retry: ${formatKey(key)} is up for retry; try ${key.tryNumber + 1} is due at ${new Date(dueAt).toISOString()}`);
}

export function logRunFinished(log: OutcomeLogger, run: { dagId: string; runId: string; state: string }): void {
  log.info(`DAG run finished: ${run.dagId} run=${run.runId} state=${run.state}`);
}
