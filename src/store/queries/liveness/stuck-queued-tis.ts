import type { Kysely } from "kysely";
import { TaskState } from "../../../common/states.js";
import type { Database, TaskInstanceRow } from "../../schema.js";

/** TIs this scheduler queued before `olderThan` that never started. */
export async function stuckQueuedTis(db: Kysely<Database>, jobId: number, olderThan: number): Promise<TaskInstanceRow[]> {
  return db
    .selectFrom("task_instance")
    .selectAll()
    .where("state", "=", TaskState.QUEUED)
    .where("queued_by_job_id", "=", jobId)
    .where("queued_at", "<", olderThan)
    .execute();
}
