import type { Kysely } from "kysely";
import { TaskState } from "../../../common/states.js";
import type { Database, TaskInstanceRow } from "../../schema.js";
import { JobState } from "../jobs/job-state.js";
import { ACTIVE_TI_STATES } from "../task-instances/ti-id.js";

/**
 * Queued and running TIs whose scheduler is no longer running (it was declared dead or ended),
 * judged when the statement runs: a scheduler that started after the caller last listed jobs is
 * not mistaken for a dead one.
 */
export async function orphanedTaskInstances(db: Kysely<Database>): Promise<TaskInstanceRow[]> {
  return db
    .selectFrom("task_instance as ti")
    .selectAll("ti")
    .where("ti.state", "in", [...ACTIVE_TI_STATES, TaskState.RESTARTING])
    .where("ti.queued_by_job_id", "is not", null)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom("job").select("job.id").whereRef("job.id", "=", "ti.queued_by_job_id").where("job.state", "=", JobState.RUNNING))),
    )
    // In key order: resets (and their audit rows) come out in the order of the run.
    .orderBy("ti.dag_run_id")
    .orderBy("ti.task_id")
    .orderBy("ti.map_index")
    .execute();
}
