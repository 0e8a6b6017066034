import type { Kysely } from "kysely";
import { DagRunState } from "../../../common/states.js";
import type { Database } from "../../schema.js";

export async function countRunningRunsByDag(db: Kysely<Database>): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom("dag_run")
    .select("dag_id")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("state", "=", DagRunState.RUNNING)
    .groupBy("dag_id")
    .execute();
  return new Map(rows.map((r) => [r.dag_id, Number(r.n)]));
}
