import type { Kysely, RawBuilder, SqlBool } from "kysely";
import { sql } from "../../kysely.js";
import { DagRunState, TaskState } from "../../../common/states.js";
import type { Database } from "../../schema.js";

export interface CandidateFilters {
  starvedPools: ReadonlySet<string>;
  starvedExecutors: ReadonlySet<string>;
  starvedRuns: ReadonlySet<number>;
  /** `${dagId}\u0000${taskId}` */
  starvedTasks: ReadonlySet<string>;
  /** `${dagRunId}\u0000${taskId}` */
  starvedRunTasks: ReadonlySet<string>;
}

export interface Candidate {
  dag_id: string;
  run_id: string;
  task_id: string;
  map_index: number;
  dag_run_id: number;
  try_number: number;
  executor: string;
  queue: string;
  pool: string;
  pool_slots: number;
  priority_weight: number;
  pending_reason: string | null;
  logical_date: number;
  conf: string;
  fileloc: string;
}

const rejoin = (keys: ReadonlySet<string>) => [...keys].map((k) => k.replace("\u0000", "/"));

/** Above this many running runs one query across all of them beats a query per run. */
const PER_RUN_CLAIM_MAX_RUNS = 16;

/**
 * The scheduler's claim query: scheduled TIs of running runs of unpaused, active DAGs (a DAG whose
 * file is gone is not run), highest priority
 * first, then oldest logical date, minus everything already known not to fit this pass (so a
 * candidate that does not fit never hides one that does).
 *
 * With few running runs it asks each run for its first `limit` candidates (a range of the
 * ti_run_claim_idx index, which holds them in claim order) and merges them: the overall first
 * `limit` are among them, in the same order as the single query gives. The single query reads and
 * sorts every scheduled TI on every pass, which cost a 10,000-task fan-out most of its CPU.
 */
export async function scheduledCandidates(db: Kysely<Database>, filters: CandidateFilters, limit: number): Promise<Candidate[]> {
  let runsQuery = db
    .selectFrom("dag_run as r")
    .innerJoin("dag as d", "d.dag_id", "r.dag_id")
    .select(["r.id", "r.logical_date", "r.conf", "d.fileloc"])
    .where("r.state", "=", DagRunState.RUNNING)
    .where("d.is_paused", "=", 0)
    .where("d.is_active", "=", 1);
  if (filters.starvedRuns.size) runsQuery = runsQuery.where("r.id", "not in", [...filters.starvedRuns]);
  const runs = await runsQuery.limit(PER_RUN_CLAIM_MAX_RUNS + 1).execute();
  if (runs.length > PER_RUN_CLAIM_MAX_RUNS) return candidatesAcrossRuns(db, filters, limit);
  const out: Candidate[] = [];
  for (const run of runs) {
    let q = db
      .selectFrom("task_instance as ti")
      .select(CANDIDATE_TI_COLUMNS)
      .where("ti.dag_run_id", "=", run.id)
      .where("ti.state", "=", TaskState.SCHEDULED);
    for (const f of candidateFilters(filters)) q = q.where(f);
    const rows = await q.orderBy("ti.priority_weight", "desc").orderBy("ti.map_index", "asc").orderBy("ti.task_id", "asc").limit(limit).execute();
    const logicalDate = Number(run.logical_date);
    for (const r of rows) out.push({ ...r, dag_run_id: Number(r.dag_run_id), logical_date: logicalDate, conf: run.conf, fileloc: run.fileloc });
  }
  // The single query's ORDER BY. Ids are ASCII (dag/ids.ts), so < orders them as the database's byte-wise collation does.
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  out.sort(
    (a, b) =>
      b.priority_weight - a.priority_weight ||
      a.logical_date - b.logical_date ||
      a.map_index - b.map_index ||
      a.dag_run_id - b.dag_run_id ||
      cmp(a.task_id, b.task_id),
  );
  return out.slice(0, limit);
}

/** The task_instance columns both forms of the claim query read. */
const CANDIDATE_TI_COLUMNS = [
  "ti.dag_id",
  "ti.run_id",
  "ti.task_id",
  "ti.map_index",
  "ti.dag_run_id",
  "ti.try_number",
  "ti.executor",
  "ti.queue",
  "ti.pool",
  "ti.pool_slots",
  "ti.priority_weight",
  "ti.pending_reason",
] as const;

/** The filters both forms of the claim query apply to task_instance (aliased ti), as conditions to AND. */
function candidateFilters(filters: CandidateFilters): Array<RawBuilder<SqlBool>> {
  const out: Array<RawBuilder<SqlBool>> = [];
  const notIn = (column: RawBuilder<unknown>, values: readonly unknown[]) => sql<SqlBool>`${column} not in (${sql.join([...values])})`;
  if (filters.starvedPools.size) out.push(notIn(sql`ti.pool`, [...filters.starvedPools]));
  if (filters.starvedExecutors.size) out.push(notIn(sql`ti.executor`, [...filters.starvedExecutors]));
  if (filters.starvedRuns.size) out.push(notIn(sql`ti.dag_run_id`, [...filters.starvedRuns]));
  // PostgreSQL text cannot hold NUL: compare against the keys rejoined with "/", which no id contains.
  if (filters.starvedTasks.size) out.push(notIn(sql`ti.dag_id || '/' || ti.task_id`, rejoin(filters.starvedTasks)));
  if (filters.starvedRunTasks.size) out.push(notIn(sql`cast(ti.dag_run_id as varchar(30)) || '/' || ti.task_id`, rejoin(filters.starvedRunTasks)));
  return out;
}

/** The claim query as one statement across every running run (many runs at once). */
async function candidatesAcrossRuns(db: Kysely<Database>, filters: CandidateFilters, limit: number): Promise<Candidate[]> {
  let q = db
    .selectFrom("task_instance as ti")
    .innerJoin("dag_run as r", "r.id", "ti.dag_run_id")
    .innerJoin("dag as d", "d.dag_id", "ti.dag_id")
    .select([
      ...CANDIDATE_TI_COLUMNS,
      "r.logical_date",
      "r.conf",
      "d.fileloc",
    ])
    .where("ti.state", "=", TaskState.SCHEDULED)
    .where("r.state", "=", DagRunState.RUNNING)
    .where("d.is_paused", "=", 0)
    .where("d.is_active", "=", 1);
  for (const f of candidateFilters(filters)) q = q.where(f);
  const rows = await q
    .orderBy("ti.priority_weight", "desc")
    .orderBy("r.logical_date", "asc")
    .orderBy("ti.map_index", "asc")
    .orderBy("ti.dag_run_id", "asc")
    .orderBy("ti.task_id", "asc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, dag_run_id: Number(r.dag_run_id) }));
}
