import path from "node:path";
import type { RunnerFolders, Workload } from "../../src/common/workload.js";
import { taskId } from "./dags.js";

/**
 * The folders the benchmarks' workloads are relative to: the filesystem root, so a workload can
 * name any temporary directory's DAG file and log (as the executor tests do).
 */
export const BENCH_FOLDERS: RunnerFolders = { dagsFolder: "/", baseLogFolder: "/" };

/** `file` (absolute) relative to BENCH_FOLDERS. */
const underRoot = (file: string): string => path.relative("/", file).split(path.sep).join("/");

/**
 * The workload of try 1 of task `i` of a fan-out DAG (see fanoutDag) in run `runId`, logging under
 * `dir`/logs: what the scheduler would hand an executor for it, for benchmarks that run tries with
 * no scheduler.
 */
export function fanoutWorkload(dagFile: string, dagId: string, dir: string, i: number, runId: string): Workload {
  return {
    key: { dagId, taskId: taskId(i), runId, mapIndex: -1, tryNumber: 1 },
    dagFile: underRoot(dagFile),
    queue: "default",
    pool: "default_pool",
    priorityWeight: 1,
    executorConfig: {},
    token: "t",
    logRelativePath: underRoot(path.join(dir, "logs", runId, taskId(i), "attempt=1.log")),
    timeout: null,
    logicalDate: "2026-01-01T00:00:00.000Z",
    conf: {},
  };
}
