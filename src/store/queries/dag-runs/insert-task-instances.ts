import type { Kysely } from "kysely";
import { TaskState } from "../../../common/states.js";
import type { SerializedTask } from "../../../dag/types.js";
import type { Database, NewTaskInstance } from "../../schema.js";

const INSERT_CHUNK = 100;

/**
 * Inserts a TI (state none, try 0) per task into a run: at its creation, and for tasks added to its
 * DAG since — then with `skipExisting`, as a peer scheduler may add the same TI at the same moment.
 */
export async function insertTaskInstances(
  db: Kysely<Database>,
  run: { dagId: string; runId: string; dagRunId: number },
  tasks: readonly SerializedTask[],
  resolveExecutor: (executor: string | null) => string,
  now: number,
  opts: { skipExisting?: boolean } = {},
): Promise<NewTaskInstance[]> {
  const tis: NewTaskInstance[] = tasks.map((t) => ({
    dag_id: run.dagId,
    run_id: run.runId,
    task_id: t.taskId,
    map_index: -1,
    dag_run_id: run.dagRunId,
    state: TaskState.NONE,
    try_number: 0,
    max_tries: t.retries,
    executor: resolveExecutor(t.executor),
    queue: t.queue,
    pool: t.pool,
    pool_slots: t.poolSlots,
    priority_weight: t.effectivePriorityWeight,
    operator: t.kind,
    updated_at: now,
  }));
  for (let i = 0; i < tis.length; i += INSERT_CHUNK) {
    const insert = db.insertInto("task_instance").values(tis.slice(i, i + INSERT_CHUNK));
    await (opts.skipExisting ? insert.onConflict((oc) => oc.doNothing()) : insert).execute();
  }
  return tis;
}
