import type { Kysely } from "kysely";
import { StoreError, StoreErrorCode } from "../../errors.js";
import type { Database, DagRow } from "../../schema.js";
import { listDags } from "./list-dags.js";

export async function getDag(db: Kysely<Database>, dagId: string): Promise<DagRow> {
  const row = await db.selectFrom("dag").selectAll().where("dag_id", "=", dagId).where("is_active", "=", 1).executeTakeFirst();
  if (!row) {
    const names = (await listDags(db)).map((d) => d.dag_id);
    throw new StoreError(
      StoreErrorCode.NOT_FOUND,
      `no DAG named '${dagId}'; known DAGs: ${names.length ? names.join(", ") : "(none — is dags_folder right? see `switchyard dags list-import-errors`)"}`,
    );
  }
  return row;
}
