import { TASK_OPTION_DEFAULTS } from "./serialize.js";
import type { DagFileResult } from "./dagbag.js";
import type { SerializedDag, SerializedTask } from "./types.js";

/**
 * The form a serialized DAG is stored in (the `dag.serialized` column, the parse cache) and sent in
 * (from the parsing process). Written out in full, a task repeats every resolved option, most of
 * them at their usual value, and names its edges by id: wide's 100,000 tasks made 50 MB of JSON,
 * which the scheduler received, wrote and read back whole, holding several copies at once. Here a
 * task keeps only what differs from the usual value and names its edges by position (the same DAG:
 * about 10 MB), and decoding shares one string per task id where JSON.parse made three.
 *
 * Decoding gives back exactly the SerializedDag that was encoded. Text written before this form
 * existed (no `format`) is the full form, and is read as it is.
 */
export const STORED_DAG_FORMAT = 2;

/** A task as stored: `taskId` and `kind` always, other fields only when they differ from USUAL; edges as positions in `tasks`. */
export type StoredTask = Pick<SerializedTask, "taskId" | "kind"> &
  Partial<Omit<SerializedTask, "taskId" | "kind" | "upstream" | "downstream">> & { upstream?: number[]; downstream?: number[] };

export type StoredDag = Omit<SerializedDag, "tasks"> & { format: typeof STORED_DAG_FORMAT; tasks: StoredTask[] };

type UsualFields = Omit<SerializedTask, "taskId" | "kind" | "upstream" | "downstream" | "effectivePriorityWeight" | "executorConfig" | "env">;

/** The value a field is left out at. Objects (executorConfig, env) are left out when empty; effectivePriorityWeight when it equals priorityWeight. */
const USUAL: Readonly<UsualFields> = {
  command: null,
  executor: null,
  executorSource: "default",
  queue: TASK_OPTION_DEFAULTS.queue,
  pool: TASK_OPTION_DEFAULTS.pool,
  poolSlots: TASK_OPTION_DEFAULTS.poolSlots,
  priorityWeight: TASK_OPTION_DEFAULTS.priorityWeight,
  weightRule: TASK_OPTION_DEFAULTS.weightRule,
  retries: TASK_OPTION_DEFAULTS.retries,
  retryDelay: TASK_OPTION_DEFAULTS.retryDelay,
  retryExponentialBackoff: TASK_OPTION_DEFAULTS.retryExponentialBackoff,
  maxRetryDelay: TASK_OPTION_DEFAULTS.maxRetryDelay,
  triggerRule: TASK_OPTION_DEFAULTS.triggerRule,
  maxActiveTisPerDag: null,
  maxActiveTisPerDagrun: null,
  timeout: null,
};
const USUAL_KEYS = Object.keys(USUAL) as Array<keyof UsualFields>;

export function toStoredDag(dag: SerializedDag): StoredDag {
  const position = new Map(dag.tasks.map((t, i) => [t.taskId, i]));
  const at = (id: string): number => {
    const i = position.get(id);
    if (i === undefined) throw new Error(`DAG '${dag.dagId}': an edge names task '${id}', which the DAG does not have`);
    return i;
  };
  const tasks = dag.tasks.map((task): StoredTask => {
    const stored: Record<string, unknown> = { taskId: task.taskId, kind: task.kind };
    for (const key of USUAL_KEYS) if (task[key] !== USUAL[key]) stored[key] = task[key];
    if (task.effectivePriorityWeight !== task.priorityWeight) stored["effectivePriorityWeight"] = task.effectivePriorityWeight;
    if (Object.keys(task.executorConfig).length > 0) stored["executorConfig"] = task.executorConfig;
    if (Object.keys(task.env).length > 0) stored["env"] = task.env;
    if (task.upstream.length > 0) stored["upstream"] = task.upstream.map(at);
    if (task.downstream.length > 0) stored["downstream"] = task.downstream.map(at);
    return stored as StoredTask;
  });
  return { ...dag, format: STORED_DAG_FORMAT, tasks };
}

export function fromStoredDag(stored: StoredDag): SerializedDag {
  const { format: _format, tasks: storedTasks, ...header } = stored;
  const ids = storedTasks.map((t) => t.taskId);
  const idAt = (i: number): string => {
    const id = ids[i];
    if (id === undefined) throw new Error(`stored DAG '${stored.dagId}' is damaged: an edge names task position ${i} of ${ids.length}`);
    return id;
  };
  const tasks = storedTasks.map((t): SerializedTask => {
    const priorityWeight = t.priorityWeight ?? USUAL.priorityWeight;
    // Every field written in one order: the tasks share one object shape.
    return {
      taskId: t.taskId,
      kind: t.kind,
      command: t.command ?? USUAL.command,
      upstream: t.upstream?.map(idAt) ?? [],
      downstream: t.downstream?.map(idAt) ?? [],
      executor: t.executor ?? USUAL.executor,
      executorSource: t.executorSource ?? USUAL.executorSource,
      queue: t.queue ?? USUAL.queue,
      pool: t.pool ?? USUAL.pool,
      poolSlots: t.poolSlots ?? USUAL.poolSlots,
      priorityWeight,
      weightRule: t.weightRule ?? USUAL.weightRule,
      effectivePriorityWeight: t.effectivePriorityWeight ?? priorityWeight,
      retries: t.retries ?? USUAL.retries,
      retryDelay: t.retryDelay ?? USUAL.retryDelay,
      retryExponentialBackoff: t.retryExponentialBackoff ?? USUAL.retryExponentialBackoff,
      maxRetryDelay: t.maxRetryDelay ?? USUAL.maxRetryDelay,
      triggerRule: t.triggerRule ?? USUAL.triggerRule,
      executorConfig: t.executorConfig ?? {},
      maxActiveTisPerDag: t.maxActiveTisPerDag ?? USUAL.maxActiveTisPerDag,
      maxActiveTisPerDagrun: t.maxActiveTisPerDagrun ?? USUAL.maxActiveTisPerDagrun,
      timeout: t.timeout ?? USUAL.timeout,
      env: t.env ?? {},
    };
  });
  return { ...header, tasks };
}

/** The text the database keeps for a DAG. */
export function storedDagText(dag: SerializedDag): string {
  return JSON.stringify(toStoredDag(dag));
}

/** A DAG from its stored text, in this form or the full one written before it. */
export function parseStoredDagText(text: string): SerializedDag {
  const parsed = JSON.parse(text) as StoredDag | SerializedDag;
  return isStoredDag(parsed) ? fromStoredDag(parsed) : parsed;
}

export function isStoredDag(value: StoredDag | SerializedDag): value is StoredDag {
  return (value as Partial<StoredDag>).format === STORED_DAG_FORMAT;
}

/** A file's parse result with its DAGs in stored form: what the parsing process sends and the parse cache keeps. */
export type StoredDagFileResult = Omit<DagFileResult, "dags"> & { readonly dags: StoredDag[] };

export function toStoredFileResult(result: DagFileResult): StoredDagFileResult {
  return { ...result, dags: result.dags.map(toStoredDag) };
}

export function fromStoredFileResult(stored: StoredDagFileResult): DagFileResult {
  return { ...stored, dags: stored.dags.map(fromStoredDag) };
}
