import type { Generated, Insertable, Selectable, Updateable } from "kysely";

/**
 * The metadata database. Timestamps are epoch milliseconds (integer on SQLite, bigint on
 * PostgreSQL) so both dialects compare and sort them the same way without time-zone surprises.
 */
export interface Database {
  dag: DagTable;
  dag_run: DagRunTable;
  task_instance: TaskInstanceTable;
  pool: PoolTable;
  job: JobTable;
  import_error: ImportErrorTable;
  audit_log: AuditLogTable;
  task_log: TaskLogTable;
}

export interface DagTable {
  dag_id: string;
  fileloc: string;
  is_paused: number;
  /** 0 once the DAG's file no longer defines it. */
  is_active: number;
  schedule: string | null;
  /** When the next scheduled run is due (its logical date); null: nothing scheduled. */
  next_dagrun_at: number | null;
  last_parsed_at: number;
  /** JSON of SerializedDag. */
  serialized: string;
  /** SerializedDag.startDate (ISO-8601), readable without loading `serialized`; null when unset or not yet written. */
  start_date: string | null;
  description: string | null;
}

export interface DagRunTable {
  id: Generated<number>;
  dag_id: string;
  run_id: string;
  state: string;
  run_type: string;
  logical_date: number;
  queued_at: number;
  start_date: number | null;
  end_date: number | null;
  /** JSON object. */
  conf: string;
}

export interface TaskInstanceTable {
  dag_id: string;
  run_id: string;
  task_id: string;
  map_index: number;
  dag_run_id: number;
  state: string;
  try_number: number;
  max_tries: number;
  /** The configured executor name (alias or class) that runs, or ran, this TI. */
  executor: string;
  queue: string;
  pool: string;
  pool_slots: number;
  priority_weight: number;
  operator: string;
  hostname: string | null;
  pid: number | null;
  /** The fleet worker (`switchyard worker --name`) that runs or ran the try; null when none did. */
  worker: string | null;
  external_executor_id: string | null;
  queued_by_job_id: number | null;
  queued_at: number | null;
  start_date: number | null;
  end_date: number | null;
  /** Seconds. */
  duration: number | null;
  /** For up_for_retry: when the next try may start. */
  next_retry_at: number | null;
  /** Last sign of life of the running try (its runner, or the scheduler holding it); zombies are found by it. */
  last_heartbeat_at: number | null;
  /** Per-try secret carried by the workload; reports must present it. */
  try_token: string | null;
  /** Why a TI that could run is waiting (unknown pool, executor not loaded, …); null when nothing blocks it. */
  pending_reason: string | null;
  /** JSON return value of an fn task. */
  return_value: string | null;
  updated_at: number;
}

export interface PoolTable {
  name: string;
  slots: number;
  description: string;
  include_deferred: number;
}

export interface JobTable {
  id: Generated<number>;
  job_type: string;
  state: string;
  hostname: string;
  pid: number;
  start_date: number;
  end_date: number | null;
  latest_heartbeat: number;
}

export interface ImportErrorTable {
  id: Generated<number>;
  filename: string;
  message: string;
  timestamp: number;
}

/** Every task-instance state change and every decision the scheduler made about one, with its reason. */
export interface AuditLogTable {
  id: Generated<number>;
  ts: number;
  dag_id: string;
  run_id: string | null;
  task_id: string | null;
  map_index: number | null;
  try_number: number | null;
  event: string;
  from_state: string | null;
  to_state: string | null;
  reason: string | null;
  /** "scheduler:<job id>", "cli", "runner:<pid>". */
  source: string;
}

export interface TaskLogTable {
  dag_id: string;
  run_id: string;
  task_id: string;
  map_index: number;
  try_number: number;
  path: string;
  executor: string;
}

export type DagRow = Selectable<DagTable>;
export type DagRunRow = Selectable<DagRunTable>;
export type TaskInstanceRow = Selectable<TaskInstanceTable>;
export type NewTaskInstance = Insertable<TaskInstanceTable>;
export type TaskInstanceUpdate = Updateable<TaskInstanceTable>;
export type PoolRow = Selectable<PoolTable>;
export type JobRow = Selectable<JobTable>;
export type AuditLogRow = Selectable<AuditLogTable>;
export type NewAuditLog = Insertable<AuditLogTable>;
