import type { Kysely } from "kysely";
import { tiString } from "../../../common/keys.js";
import type { Database, TaskInstanceRow } from "../../schema.js";
import type { TiId } from "./ti-id.js";

/** Many TIs by id in a few statements (row-value IN), keyed by tiString. */
export async function getTaskInstances(db: Kysely<Database>, ids: readonly TiId[]): Promise<Map<string, TaskInstanceRow>> {
  const out = new Map<string, TaskInstanceRow>();
  for (let i = 0; i < ids.length; i += 200) {
    const chunk = ids.slice(i, i + 200);
    const rows = await db
      .selectFrom("task_instance")
      .selectAll()
      .where((eb) =>
        eb(
          eb.refTuple("dag_id", "run_id", "task_id", "map_index"),
          "in",
          chunk.map((id) => eb.tuple(id.dagId, id.runId, id.taskId, id.mapIndex)),
        ),
      )
      .execute();
    for (const r of rows) out.set(tiString({ dagId: r.dag_id, runId: r.run_id, taskId: r.task_id, mapIndex: r.map_index }), r);
  }
  return out;
}
