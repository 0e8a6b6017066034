import type { Kysely } from "kysely";
import type { DialectKind } from "../dialect.js";

/**
 * The DAG's start date beside its serialized form. Each DAG sync compares it with the parsed DAG
 * to decide whether the next run's due time must be recomputed; reading it from `serialized`
 * meant loading and parsing every stored DAG whole (for a 100,000-task DAG, hundreds of
 * megabytes of scheduler memory at each parse).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was, not the current types */
export async function up(db: Kysely<any>, _kind: DialectKind): Promise<void> {
  // As SerializedDag holds it: an ISO-8601 string. A row written before this column existed reads
  // NULL, and its next sync recomputes the due time once, as for a changed start date.
  await db.schema.alterTable("dag").addColumn("start_date", "text").execute();
}
