import type { Kysely } from "kysely";
import { TaskState } from "../../../common/states.js";
import type { Database } from "../../schema.js";

/** When the earliest retry delay runs out (null: none is waiting). */
export async function nextRetryDue(db: Kysely<Database>): Promise<number | null> {
  const row = await db
    .selectFrom("task_instance")
    .select((eb) => eb.fn.min("next_retry_at").as("at"))
    .where("state", "=", TaskState.UP_FOR_RETRY)
    .executeTakeFirst();
  return row?.at == null ? null : Number(row.at);
}
