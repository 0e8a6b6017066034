import type { Kysely } from "kysely";
import type { TaskInstanceKey } from "../../../common/keys.js";
import { TaskState } from "../../../common/states.js";
import type { Database } from "../../schema.js";

/** Renews the heartbeat of tries that are known to be alive (their runner is connected, or is this process). */
export async function refreshTiHeartbeats(db: Kysely<Database>, keys: readonly TaskInstanceKey[], now: number): Promise<void> {
  for (const k of keys) {
    await db
      .updateTable("task_instance")
      .set({ last_heartbeat_at: now })
      .where("dag_id", "=", k.dagId)
      .where("run_id", "=", k.runId)
      .where("task_id", "=", k.taskId)
      .where("map_index", "=", k.mapIndex)
      .where("try_number", "=", k.tryNumber)
      .where("state", "in", [TaskState.QUEUED, TaskState.RUNNING])
      .execute();
  }
}
