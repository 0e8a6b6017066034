import type { SerializedDag, SerializedTask } from "../../src/dag/types.js";

/** A SerializedDag with no schedule, limits or tasks unless `fields` says otherwise: for tests that need the shape, not a DAG file. */
export function serializedDag(fields: Partial<SerializedDag> & Pick<SerializedDag, "dagId">): SerializedDag {
  return {
    fileloc: `/dags/${fields.dagId}.ts`,
    schedule: null,
    startDate: null,
    endDate: null,
    catchup: false,
    maxActiveTasks: null,
    maxActiveRuns: null,
    description: null,
    tags: [],
    isPausedUponCreation: false,
    tasks: [],
    ...fields,
  };
}

/** A SerializedTask: a bash `true` with every default, unless `extra` says otherwise. */
export function task(taskId: string, extra: Partial<SerializedTask> = {}): SerializedTask {
  return {
    taskId,
    kind: "bash",
    command: "true",
    upstream: [],
    downstream: [],
    executor: null,
    executorSource: "default",
    queue: "default",
    pool: "default_pool",
    poolSlots: 1,
    priorityWeight: 1,
    weightRule: "absolute",
    effectivePriorityWeight: 1,
    retries: 0,
    retryDelay: 0,
    retryExponentialBackoff: false,
    maxRetryDelay: 0,
    triggerRule: "all_success",
    executorConfig: {},
    maxActiveTisPerDag: null,
    maxActiveTisPerDagrun: null,
    timeout: null,
    env: {},
    ...extra,
  };
}
