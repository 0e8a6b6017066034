import type { Kysely } from "kysely";
import { TaskState } from "../../../common/states.js";
import type { Database, TaskInstanceRow } from "../../schema.js";

/**
 * Zombies: running TIs whose try has shown no sign of life for `timeoutMs`. A TI a scheduler
 * queued counts only when that scheduler has heartbeat more than `timeoutMs` after the TI last did:
 * the scheduler is alive but no longer holds the try. Silence shared with its scheduler (a
 * database outage, or a dead scheduler, which adoption handles) is not a zombie. A TI with no
 * scheduler (`tasks run`) counts from its own heartbeat alone.
 */
export async function silentRunningTis(db: Kysely<Database>, now: number, timeoutMs: number): Promise<TaskInstanceRow[]> {
  return db
    .selectFrom("task_instance as ti")
    .selectAll("ti")
    .where("ti.state", "=", TaskState.RUNNING)
    .where((eb) => {
      const lastSign = eb.fn.coalesce("ti.last_heartbeat_at", "ti.start_date", "ti.queued_at", "ti.updated_at");
      return eb.and([
        eb(lastSign, "<", now - timeoutMs),
        eb.or([
          eb("ti.queued_by_job_id", "is", null),
          eb.exists(
            eb
              .selectFrom("job")
              .select("job.id")
              .whereRef("job.id", "=", "ti.queued_by_job_id")
              .where("job.latest_heartbeat", ">", eb(lastSign, "+", timeoutMs)),
          ),
        ]),
      ]);
    })
    .execute();
}
