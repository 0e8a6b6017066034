import path from "node:path";
import type { Workload } from "../../src/common/workload.js";
import { taskId } from "./dags.js";

/**
 * The workload of try 1 of task `i` of a fan-out DAG (see fanoutDag) in run `runId`, logging under
 * `dir`/logs: what the scheduler would hand an executor for it, for benchmarks that run tries with
 * no scheduler.
 */
export function fanoutWorkload(dagFile: string, dagId: string, dir: string, i: number, runId: string): Workload {
  return {
    key: { dagId, taskId: taskId(i), runId, mapIndex: -1, tryNumber: 1 },
    dagFile,
    queue: "default",
    pool: "default_pool",
    priorityWeight: 1,
    executorConfig: {},
    token: "t",
    logPath: path.join(dir, "logs", runId, taskId(i), "attempt=1.log"),
    timeout: null,
    logicalDate: "2026-01-01T00:00:00.000Z",
    conf: {},
  };
}
