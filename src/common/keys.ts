/** Identifies one try of one task instance. */
export interface TaskInstanceKey {
  readonly dagId: string;
  readonly taskId: string;
  readonly runId: string;
  readonly mapIndex: number;
  readonly tryNumber: number;
}

/** A stable string form of a key, for Map/Set membership. */
export function keyString(key: TaskInstanceKey): string {
  return JSON.stringify([key.dagId, key.taskId, key.runId, key.mapIndex, key.tryNumber]);
}

/** The key without its try: identifies the task instance across tries. */
export function tiString(key: Omit<TaskInstanceKey, "tryNumber">): string {
  return JSON.stringify([key.dagId, key.taskId, key.runId, key.mapIndex]);
}

export function formatKey(key: TaskInstanceKey): string {
  const map = key.mapIndex >= 0 ? `[${key.mapIndex}]` : "";
  return `${key.dagId}.${key.taskId}${map} run=${key.runId} try=${key.tryNumber}`;
}
