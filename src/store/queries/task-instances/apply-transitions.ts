import type { Kysely } from "kysely";
import { tiString } from "../../../common/keys.js";
import type { Database, NewAuditLog, TaskInstanceTable, TaskInstanceUpdate } from "../../schema.js";
import { DialectKind } from "../../dialect.js";
import { dialectOf, ident, runStatement, statementText, valuesRows } from "../../sql-text.js";
import { auditInsertFrom, auditParameters, auditValuesCte, insertAuditLogs } from "../audit/insert-audit-logs.js";
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
 * the k-th round. Each applied transition's audit row is written in the same order.
 *
 * On PostgreSQL a group's audit rows are written by the UPDATE's own statement (a data-modifying
 * common table expression joined to the rows it moved): one round trip per state change instead
 * of two. SQLite cannot write from a common table expression, so there the audit rows of the
 * whole batch follow as one insert.
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
  const auditsInUpdate = dialectOf(db) === DialectKind.POSTGRES;
  for (const groups of rounds) {
    for (const indexes of groups.values()) {
      for (let c = 0; c < indexes.length; c += TRANSITION_CHUNK) {
        const chunk = indexes.slice(c, c + TRANSITION_CHUNK);
        const group = chunk.map((i) => transitions[i]!);
        const moved = await updateGroup(db, group, columnsOf[chunk[0]!]!, now, auditsInUpdate);
        for (const i of chunk) applied[i] = moved.has(tiString(transitions[i]!.id));
      }
    }
  }
  if (!auditsInUpdate) await insertAuditLogs(db, auditRows(transitions.filter((_, i) => applied[i]), now));
  return applied;
}

/** The audit rows of `transitions` (those that have one), in order. */
function auditRows(transitions: readonly TiTransition[], now: number): NewAuditLog[] {
  const audits: NewAuditLog[] = [];
  for (const t of transitions) {
    if (t.audit) audits.push({ ...t.audit, ts: now, dag_id: t.id.dagId, run_id: t.id.runId, task_id: t.id.taskId, map_index: t.id.mapIndex });
  }
  return audits;
}

/**
 * One guarded UPDATE for transitions of one shape (same expected states, same columns set, distinct
 * TIs). Returns the tiStrings of the rows it moved. With `withAudits`, the same statement appends
 * the audit rows of the rows it moved.
 */
async function updateGroup(db: Kysely<Database>, group: readonly TiTransition[], columns: readonly SetColumn[], now: number, withAudits: boolean): Promise<Set<string>> {
  const first = group[0]!;
  const guardTry = first.expectTry !== undefined;
  const audits = withAudits ? auditRows(group, now) : [];
  const text = statementText(db, `ti-transition|${first.expectStates.join(",")}|${guardTry}|${columns.join(",")}|${group.length}|${audits.length}`, () => {
    const keyColumns: SetColumn[] = ["dag_id", "run_id", "task_id", "map_index", ...(guardTry ? (["try_number"] as const) : []), ...columns];
    const names = ["v_dag_id", "v_run_id", "v_task_id", "v_map_index", ...(guardTry ? ["v_try"] : []), ...columns.map((c) => `v_${c}`)];
    const assignments = [...columns.map((c) => `${ident(c)} = ${ident("v")}.${ident(`v_${c}`)}`), "updated_at = ?"];
    const update = `update task_instance set ${assignments.join(", ")}
    from v
    where task_instance.dag_id = v.v_dag_id and task_instance.run_id = v.v_run_id
      and task_instance.task_id = v.v_task_id and task_instance.map_index = v.v_map_index
      and task_instance.state in (${first.expectStates.map(() => "?").join(", ")})
      ${guardTry ? "and task_instance.try_number = v.v_try" : ""}
    returning task_instance.dag_id, task_instance.run_id, task_instance.task_id, task_instance.map_index`;
    const values = `v (${names.map(ident).join(", ")}) as (values ${valuesRows(group.length, keyColumns.map((c) => `cast(? as ${TI_COLUMN_TYPES[c]})`))})`;
    if (audits.length === 0) return `with ${values}
    ${update}`;
    // The audit rows are joined to the rows the update returns: only a transition that applied is audited.
    return `with ${values},
    moved as (${update}),
    ${auditValuesCte("a", audits.length)},
    audited as (${auditInsertFrom(`(select a.* from a join moved m on m.dag_id = a.v_dag_id and m.run_id = a.v_run_id and m.task_id = a.v_task_id and m.map_index = a.v_map_index)`)})
    select dag_id, run_id, task_id, map_index from moved`;
  });
  const parameters: unknown[] = [];
  for (const t of group) {
    parameters.push(t.id.dagId, t.id.runId, t.id.taskId, t.id.mapIndex);
    if (guardTry) parameters.push(t.expectTry);
    for (const c of columns) parameters.push(t.set[c]);
  }
  parameters.push(now, ...first.expectStates);
  if (audits.length > 0) parameters.push(...auditParameters(audits));
  const result = await runStatement<{ dag_id: string; run_id: string; task_id: string; map_index: number }, Database>(db, text, parameters);
  return new Set(result.rows.map((r) => tiString({ dagId: r.dag_id, runId: r.run_id, taskId: r.task_id, mapIndex: Number(r.map_index) })));
}
