import { TaskState } from "../../../common/states.js";

/** A task instance's primary key. */
export interface TiId {
  dagId: string;
  runId: string;
  taskId: string;
  mapIndex: number;
}

/** The states of a TI whose try is handed out: it holds its pool slots and counts against concurrency limits. */
export const ACTIVE_TI_STATES = [TaskState.QUEUED, TaskState.RUNNING] as const;
