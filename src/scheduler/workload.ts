import { randomBytes } from "node:crypto";
import type { TaskInstanceKey } from "../common/keys.js";
import { tryLogPath } from "../common/log-path.js";
import type { Workload } from "../common/workload.js";
import type { SerializedTask } from "../dag/types.js";

export function newTryToken(): string {
  return randomBytes(16).toString("hex");
}

/** The one place a workload is put together, whoever starts the try (the scheduler or `tasks run`). */
export function buildWorkload(input: {
  key: TaskInstanceKey;
  task: SerializedTask;
  dagFile: string;
  queue: string;
  pool: string;
  priorityWeight: number;
  token: string;
  baseLogFolder: string;
  /** `[logging] max_task_log_mb`; 0: no limit. */
  maxTaskLogMb: number;
  logicalDate: number;
  conf: string;
}): Workload {
  return {
    key: input.key,
    dagFile: input.dagFile,
    queue: input.queue,
    pool: input.pool,
    priorityWeight: input.priorityWeight,
    executorConfig: input.task.executorConfig,
    token: input.token,
    logPath: tryLogPath(input.baseLogFolder, input.key),
    ...(input.maxTaskLogMb > 0 ? { maxLogBytes: Math.max(1, Math.round(input.maxTaskLogMb * 1024 * 1024)) } : {}),
    timeout: input.task.timeout,
    logicalDate: new Date(input.logicalDate).toISOString(),
    conf: JSON.parse(input.conf) as Record<string, unknown>,
  };
}
