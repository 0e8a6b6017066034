import type { Kysely } from "kysely";
import { DagRunState, TaskState } from "../../../common/states.js";
import type { Database } from "../../schema.js";
import { runStatement, statementText } from "../../sql-text.js";

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
 *
 * Every critical section runs these, so their texts are written once per shape (which filters,
 * how many values in each) and cached (sql-text.ts) rather than built through Kysely per call.
 */
export async function scheduledCandidates(db: Kysely<Database>, filters: CandidateFilters, limit: number): Promise<Candidate[]> {
  const starvedRuns = [...filters.starvedRuns];
  const runsText = statementText(
    db,
    `claim-runs|${starvedRuns.length}`,
    () => `select r.id, r.logical_date, r.conf, d.fileloc from dag_run as r inner join dag as d on d.dag_id = r.dag_id
      where r.state = ? and d.is_paused = ? and d.is_active = ?${starvedRuns.length ? ` and r.id not in (${placeholders(starvedRuns.length)})` : ""} limit ?`,
  );
  const { rows: runs } = await runStatement<{ id: number | string; logical_date: number | string; conf: string; fileloc: string }, Database>(db, runsText, [
    DagRunState.RUNNING,
    0,
    1,
    ...starvedRuns,
    PER_RUN_CLAIM_MAX_RUNS + 1,
  ]);
  if (runs.length > PER_RUN_CLAIM_MAX_RUNS) return candidatesAcrossRuns(db, filters, limit);
  const where = candidateFilters(filters);
  const text = statementText(
    db,
    `claim-run|${where.shape}`,
    () => `select ${CANDIDATE_TI_COLUMNS} from task_instance as ti
      where ti.dag_run_id = ? and ti.state = ?${where.text}
      order by ti.priority_weight desc, ti.map_index asc, ti.task_id asc limit ?`,
  );
  const out: Candidate[] = [];
  for (const run of runs) {
    const { rows } = await runStatement<CandidateRow, Database>(db, text, [run.id, TaskState.SCHEDULED, ...where.parameters, limit]);
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
  "dag_id",
  "run_id",
  "task_id",
  "map_index",
  "dag_run_id",
  "try_number",
  "executor",
  "queue",
  "pool",
  "pool_slots",
  "priority_weight",
  "pending_reason",
]
  .map((c) => `ti.${c}`)
  .join(", ");

type CandidateRow = Omit<Candidate, "dag_run_id" | "logical_date" | "conf" | "fileloc"> & { dag_run_id: number | string };

function placeholders(n: number): string {
  return Array.from({ length: n }, () => "?").join(", ");
}

/**
 * The filters both forms of the claim query apply to task_instance (aliased ti): conditions to
 * AND (each starting with " and "), their parameters, and a shape key naming the text.
 */
function candidateFilters(filters: CandidateFilters): { text: string; parameters: unknown[]; shape: string } {
  // PostgreSQL text cannot hold NUL: task keys are compared rejoined with "/", which no id contains.
  const lists: Array<[string, readonly unknown[]]> = [
    ["ti.pool", [...filters.starvedPools]],
    ["ti.executor", [...filters.starvedExecutors]],
    ["ti.dag_run_id", [...filters.starvedRuns]],
    ["ti.dag_id || '/' || ti.task_id", rejoin(filters.starvedTasks)],
    ["cast(ti.dag_run_id as varchar(30)) || '/' || ti.task_id", rejoin(filters.starvedRunTasks)],
  ];
  let text = "";
  const parameters: unknown[] = [];
  for (const [column, values] of lists) {
    if (values.length === 0) continue;
    text += ` and ${column} not in (${placeholders(values.length)})`;
    parameters.push(...values);
  }
  return { text, parameters, shape: lists.map(([, values]) => values.length).join(",") };
}

/** The claim query as one statement across every running run (many runs at once). */
async function candidatesAcrossRuns(db: Kysely<Database>, filters: CandidateFilters, limit: number): Promise<Candidate[]> {
  const where = candidateFilters(filters);
  const text = statementText(
    db,
    `claim-across-runs|${where.shape}`,
    () => `select ${CANDIDATE_TI_COLUMNS}, r.logical_date, r.conf, d.fileloc
      from task_instance as ti inner join dag_run as r on r.id = ti.dag_run_id inner join dag as d on d.dag_id = ti.dag_id
      where ti.state = ? and r.state = ? and d.is_paused = ? and d.is_active = ?${where.text}
      order by ti.priority_weight desc, r.logical_date asc, ti.map_index asc, ti.dag_run_id asc, ti.task_id asc limit ?`,
  );
  const { rows } = await runStatement<CandidateRow & { logical_date: number; conf: string; fileloc: string }, Database>(db, text, [
    TaskState.SCHEDULED,
    DagRunState.RUNNING,
    0,
    1,
    ...where.parameters,
    limit,
  ]);
  return rows.map((r) => ({ ...r, dag_run_id: Number(r.dag_run_id) }));
}
