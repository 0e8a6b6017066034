import { sql, type Kysely } from "kysely";
import { tiString } from "../../../common/keys.js";
import type { Database, NewAuditLog, TaskInstanceTable, TaskInstanceUpdate } from "../../schema.js";
import { insertAuditLogs } from "../audit/insert-audit-logs.js";
import type { TiId } from "./ti-id.js";

export interface TiTransition {
  id: TiId;
  /** The update applies only while the TI is in one of these states (and at this try, when given). */
  expectStates: readonly string[];
  expectTry?: number;
  set: TaskInstanceUpdate;
  audit: Omit<NewAuditLog, "dag_id" | "run_id" | "task_id" | "map_index" | "ts"> | null;
}

/**
 * SQL types of the columns a transition may set. PostgreSQL types a VALUES list from its
 * contents and the driver sends parameters untyped, so each value is cast to its column's type;
 * SQLite reads the same casts as affinities, which the columns apply anyway.
 */
const TI_COLUMN_TYPES: Readonly<Record<keyof TaskInstanceTable, string>> = {
  dag_id: "text",
  run_id: "text",
  task_id: "text",
  map_index: "integer",
  dag_run_id: "bigint",
  state: "text",
  try_number: "integer",
  max_tries: "integer",
  executor: "text",
  queue: "text",
  pool: "text",
  pool_slots: "integer",
  priority_weight: "integer",
  operator: "text",
  hostname: "text",
  pid: "integer",
  worker: "text",
  external_executor_id: "text",
  queued_by_job_id: "bigint",
  queued_at: "bigint",
  start_date: "bigint",
  end_date: "bigint",
  duration: "double precision",
  next_retry_at: "bigint",
  last_heartbeat_at: "bigint",
  try_token: "text",
  pending_reason: "text",
  return_value: "text",
  updated_at: "bigint",
};

/** Rows per multi-row UPDATE: well under SQLite's bound-parameter cap at the widest transition. */
const TRANSITION_CHUNK = 200;

type SetColumn = keyof TaskInstanceTable;

function setColumns(t: TiTransition): SetColumn[] {
  return (Object.keys(t.set) as SetColumn[]).filter((c) => c !== "updated_at" && t.set[c] !== undefined).sort();
}

/**
 * Applies state transitions, each guarded by the state (and try) it expects, so a transition
 * decided on a stale read never overwrites a newer one. Returns which transitions applied.
 *
 * Transitions that expect the same states and set the same columns go out as one multi-row UPDATE
 * (joined to a VALUES list that carries each TI's key, expected try and new values); RETURNING
 * names the rows that actually moved, so fencing stays per TI. Several transitions of one TI in a
 * batch (a running report then a success) keep their order: the k-th transition of each TI goes in
 * the k-th round. Audit rows are written in the order of `transitions`, as one insert.
 */
export async function applyTransitions(db: Kysely<Database>, transitions: readonly TiTransition[], now: number): Promise<boolean[]> {
  const applied: boolean[] = transitions.map(() => false);
  const rounds: Array<Map<string, number[]>> = [];
  const seen = new Map<string, number>();
  const columnsOf: SetColumn[][] = [];
  transitions.forEach((t, i) => {
    const key = tiString(t.id);
    const round = seen.get(key) ?? 0;
    seen.set(key, round + 1);
    const columns = setColumns(t);
    columnsOf[i] = columns;
    const shape = `${t.expectStates.join(",")}|${t.expectTry !== undefined}|${columns.join(",")}`;
    const groups = (rounds[round] ??= new Map());
    const group = groups.get(shape);
    if (group) group.push(i);
    else groups.set(shape, [i]);
  });
  for (const groups of rounds) {
    for (const indexes of groups.values()) {
      for (let c = 0; c < indexes.length; c += TRANSITION_CHUNK) {
        const chunk = indexes.slice(c, c + TRANSITION_CHUNK);
        const moved = await updateGroup(db, chunk.map((i) => transitions[i]!), columnsOf[chunk[0]!]!, now);
        for (const i of chunk) applied[i] = moved.has(tiString(transitions[i]!.id));
      }
    }
  }
  const audits: NewAuditLog[] = [];
  transitions.forEach((t, i) => {
    if (applied[i] && t.audit) {
      audits.push({ ...t.audit, ts: now, dag_id: t.id.dagId, run_id: t.id.runId, task_id: t.id.taskId, map_index: t.id.mapIndex });
    }
  });
  await insertAuditLogs(db, audits);
  return applied;
}

/** One guarded UPDATE for transitions of one shape (same expected states, same columns set, distinct TIs). Returns the tiStrings of the rows it moved. */
async function updateGroup(db: Kysely<Database>, group: readonly TiTransition[], columns: readonly SetColumn[], now: number): Promise<Set<string>> {
  const first = group[0]!;
  const guardTry = first.expectTry !== undefined;
  const cast = (value: unknown, column: SetColumn) => sql`cast(${value} as ${sql.raw(TI_COLUMN_TYPES[column])})`;
  const names = ["v_dag_id", "v_run_id", "v_task_id", "v_map_index", ...(guardTry ? ["v_try"] : []), ...columns.map((c) => `v_${c}`)];
  const rows = group.map((t) => {
    const values = [cast(t.id.dagId, "dag_id"), cast(t.id.runId, "run_id"), cast(t.id.taskId, "task_id"), cast(t.id.mapIndex, "map_index")];
    if (guardTry) values.push(cast(t.expectTry, "try_number"));
    for (const c of columns) values.push(cast(t.set[c], c));
    return sql`(${sql.join(values)})`;
  });
  const assignments = [...columns.map((c) => sql`${sql.ref(c)} = ${sql.ref(`v.v_${c}`)}`), sql`updated_at = ${now}`];
  const result = await sql<{ dag_id: string; run_id: string; task_id: string; map_index: number }>`
    with v (${sql.join(names.map((n) => sql.ref(n)))}) as (values ${sql.join(rows)})
    update task_instance set ${sql.join(assignments)}
    from v
    where task_instance.dag_id = v.v_dag_id and task_instance.run_id = v.v_run_id
      and task_instance.task_id = v.v_task_id and task_instance.map_index = v.v_map_index
      and task_instance.state in (${sql.join([...first.expectStates])})
      ${guardTry ? sql`and task_instance.try_number = v.v_try` : sql``}
    returning dag_id, run_id, task_id, map_index`.execute(db);
  return new Set(result.rows.map((r) => tiString({ dagId: r.dag_id, runId: r.run_id, taskId: r.task_id, mapIndex: Number(r.map_index) })));
}
