import type { Kysely } from "kysely";
import { DagRunState, TaskState } from "../../../common/states.js";
import type { Database } from "../../schema.js";

/** TI states in which something is under way or due without anyone acting: a try, a retry delay, a reschedule. */
const PROGRESSING: readonly string[] = [TaskState.QUEUED, TaskState.RUNNING, TaskState.UP_FOR_RETRY, TaskState.UP_FOR_RESCHEDULE, TaskState.DEFERRED, TaskState.RESTARTING];

/** Whether any TI of a queued or running run is in flight or waiting on a timer (then the run is not stuck, whoever holds it). */
export async function anyTiProgressing(db: Kysely<Database>): Promise<boolean> {
  const row = await db
    .selectFrom("task_instance as ti")
    .innerJoin("dag_run as r", "r.id", "ti.dag_run_id")
    .select("ti.task_id")
    .where("r.state", "in", [DagRunState.QUEUED, DagRunState.RUNNING])
    .where("ti.state", "in", [...PROGRESSING])
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
