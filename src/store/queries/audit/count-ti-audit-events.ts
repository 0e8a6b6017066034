import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";

/** How often the audit log says `event` happened to this TI. */
export async function countTiAuditEvents(
  db: Kysely<Database>,
  ti: { dag_id: string; run_id: string; task_id: string; map_index: number },
  event: string,
): Promise<number> {
  const row = await db
    .selectFrom("audit_log")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("dag_id", "=", ti.dag_id)
    .where("run_id", "=", ti.run_id)
    .where("task_id", "=", ti.task_id)
    .where("map_index", "=", ti.map_index)
    .where("event", "=", event)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
