import type { Kysely } from "kysely";
import type { Database, PoolRow } from "../../schema.js";
import { runStatement, statementText } from "../../sql-text.js";
import { ACTIVE_TI_STATES } from "./ti-id.js";

/** Queued and running TIs of one (run, task, executor, pool, state): how many, and the pool slots they take. */
export interface ActiveTiGroup {
  dag_run_id: number;
  dag_id: string;
  task_id: string;
  executor: string;
  pool: string;
  state: string;
  n: number;
  slots: number;
}

/** One row of the combined read: an active group (kind 'ti') or a pool (kind 'pool', its name in `pool`). */
interface Row {
  kind: "ti" | "pool";
  dag_run_id: number | string | null;
  dag_id: string | null;
  task_id: string | null;
  executor: string | null;
  pool: string;
  state: string | null;
  n: number | string;
  slots: number | string | null;
  description: string | null;
  include_deferred: number | null;
}

/**
 * What every limit of the critical section is checked against, in one statement under the
 * scheduling lock: queued and running TIs grouped finely enough for every count it keeps (per run,
 * per (dag, task), per (run, task), per executor, per pool and state), and the pools. The two reads
 * share one round trip (a UNION ALL of rows of both kinds).
 */
export async function activeTiCounts(db: Kysely<Database>): Promise<{ active: ActiveTiGroup[]; pools: PoolRow[] }> {
  const text = statementText(
    db,
    "active-ti-counts-and-pools",
    () => `select 'ti' as kind, dag_run_id, dag_id, task_id, executor, pool, state, count(*) as n, sum(pool_slots) as slots, null as description, null as include_deferred
      from task_instance where state in (${ACTIVE_TI_STATES.map(() => "?").join(", ")})
      group by dag_run_id, dag_id, task_id, executor, pool, state
    union all
    select 'pool', null, null, null, null, name, null, slots, null, description, include_deferred from pool`,
  );
  const { rows } = await runStatement<Row, Database>(db, text, [...ACTIVE_TI_STATES]);
  const active: ActiveTiGroup[] = [];
  const pools: PoolRow[] = [];
  for (const r of rows) {
    if (r.kind === "pool") {
      pools.push({ name: r.pool, slots: Number(r.n), description: r.description ?? "", include_deferred: Number(r.include_deferred) });
    } else {
      active.push({ dag_run_id: Number(r.dag_run_id), dag_id: r.dag_id!, task_id: r.task_id!, executor: r.executor!, pool: r.pool, state: r.state!, n: Number(r.n), slots: Number(r.slots) });
    }
  }
  return { active, pools };
}
