import type { Kysely } from "kysely";
import type { DialectKind } from "../dialect.js";

/**
 * The fleet worker that ran (or runs) a try: `switchyard worker --name`, reported by the
 * BullMQExecutor with the try's running and final events. `hostname` says which machine, but
 * one machine may run several workers (on other queues, for other executors), and `fleet
 * workers` and the workers' own logs name them; `external_executor_id` is the job id, which
 * adoption needs. NULL for tries no worker ran (the LocalExecutor's).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was, not the current types */
export async function up(db: Kysely<any>, _kind: DialectKind): Promise<void> {
  await db.schema.alterTable("task_instance").addColumn("worker", "varchar(250)").execute();
}
