import { randomBytes } from "node:crypto";
import type { TaskInstanceKey } from "../common/keys.js";
import { tryLogPath } from "../common/log-path.js";
import path from "node:path";
import { relativeDagFile, type Workload } from "../common/workload.js";
import type { SerializedTask } from "../dag/types.js";

const TOKEN_BYTES = 16;
/** Tokens drawn per call to the CSPRNG: one call per try cost the critical section ~10 µs per TI (as randomUUID, Node keeps a pool too). */
const TOKENS_PER_DRAW = 256;
let tokenPool = Buffer.alloc(0);
let tokenOffset = 0;

/** A try's secret token: 16 bytes from the CSPRNG, as hex. */
export function newTryToken(): string {
  if (tokenOffset + TOKEN_BYTES > tokenPool.length) {
    tokenPool = randomBytes(TOKEN_BYTES * TOKENS_PER_DRAW);
    tokenOffset = 0;
  }
  const token = tokenPool.toString("hex", tokenOffset, tokenOffset + TOKEN_BYTES);
  tokenOffset += TOKEN_BYTES;
  return token;
}

/** The one place a workload is put together, whoever starts the try (the scheduler or `tasks run`). */
export function buildWorkload(input: {
  key: TaskInstanceKey;
  task: SerializedTask;
  /** The DAG file's absolute path on this host (the DAG row's fileloc). */
  dagFile: string;
  /** `[core] dags_folder`: the workload names the DAG file relative to it. */
  dagsFolder: string;
  queue: string;
  pool: string;
  priorityWeight: number;
  token: string;
  /** `[logging] max_task_log_mb`; 0: no limit. */
  maxTaskLogMb: number;
  logicalDate: number;
  conf: string;
}): Workload {
  return {
    key: input.key,
    dagFile: relativeDagFile(input.dagsFolder, input.dagFile),
    queue: input.queue,
    pool: input.pool,
    priorityWeight: input.priorityWeight,
    executorConfig: input.task.executorConfig,
    token: input.token,
    logRelativePath: tryLogPath("", input.key).split(path.sep).join("/"),
    ...(input.maxTaskLogMb > 0 ? { maxLogBytes: Math.max(1, Math.round(input.maxTaskLogMb * 1024 * 1024)) } : {}),
    timeout: input.task.timeout,
    logicalDate: new Date(input.logicalDate).toISOString(),
    conf: JSON.parse(input.conf) as Record<string, unknown>,
  };
}
