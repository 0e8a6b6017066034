import type { SerializedDag } from "../../src/dag/types.js";

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
