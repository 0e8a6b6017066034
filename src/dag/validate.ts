import { lookupExecutorName, type ExecutorName } from "../config/executor-names.js";
import { dagOptionProblems } from "./dag-options.js";
import { DagValidationError } from "./errors.js";
import { topologicalOrder } from "./graph.js";
import { idProblem } from "./ids.js";
import { taskOptionProblems } from "./task-options.js";
import type { DagDefinition, TaskDefinition } from "./types.js";

const TASK_KINDS: readonly string[] = ["bash", "fn", "empty"];

/** The DAG's graph, once it is known to be valid. */
export interface ValidatedDag {
  /** Task ids, topologically ordered. */
  readonly order: readonly string[];
  readonly downstream: ReadonlyMap<string, ReadonlySet<string>>;
  readonly upstream: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Checks everything the builders check (a DAG may come from elsewhere) plus what needs the whole DAG or the
 * configuration: cycles and executors. Throws one DagValidationError listing every problem, one per line.
 */
export function validateDag(dag: DagDefinition, fileloc: string, executorNames: readonly ExecutorName[]): ValidatedDag {
  const where = `DAG '${dag.dagId}' (file ${fileloc})`;
  const problems: string[] = [];
  const idError = idProblem("DAG id", dag.dagId);
  if (idError !== null) problems.push(`${where}: ${idError}`);
  for (const problem of dagOptionProblems(dag.options)) problems.push(`${where}: ${problem}`);

  const defaultExecutor = dag.options.defaults?.executor;
  if (defaultExecutor !== undefined && typeof defaultExecutor === "string" && lookupExecutorName(executorNames, defaultExecutor) === undefined) {
    problems.push(`${where} sets defaults.executor '${defaultExecutor}', which is not configured; ${configuredList(executorNames)}`);
  }

  const downstream = new Map<string, Set<string>>();
  const upstream = new Map<string, Set<string>>();
  for (const taskId of dag.tasks.keys()) {
    downstream.set(taskId, new Set());
    upstream.set(taskId, new Set());
  }
  for (const [key, task] of dag.tasks) {
    const at = `Task '${key}' in ${where}`;
    problems.push(...taskProblems(key, task).map((p) => `${at}: ${p}`));
    const executor = task.options.executor;
    if (typeof executor === "string" && lookupExecutorName(executorNames, executor) === undefined) {
      problems.push(`${at} specifies executor '${executor}', which is not configured; ${configuredList(executorNames)}`);
    }
    for (const [ids, forward] of [[task.downstreamIds, true], [task.upstreamIds, false]] as const) {
      for (const other of ids) {
        if (!dag.tasks.has(other)) {
          problems.push(`${at}: depends on '${other}', which is not a task of this DAG`);
          continue;
        }
        const [from, to] = forward ? [key, other] : [other, key];
        downstream.get(from)!.add(to);
        upstream.get(to)!.add(from);
      }
    }
  }

  const sorted = topologicalOrder(downstream);
  if ("cycle" in sorted) problems.push(`${where}: cycle: ${sorted.cycle.join(" -> ")}; dependencies must not loop back`);
  if (problems.length > 0 || !("order" in sorted)) throw new DagValidationError(dag.dagId, fileloc, problems);
  return { order: sorted.order, downstream, upstream };
}

function taskProblems(key: string, task: TaskDefinition): string[] {
  const problems: string[] = [];
  const idError = idProblem("task id", task.taskId);
  if (idError !== null) problems.push(idError);
  else if (task.taskId !== key) problems.push(`is stored under key '${key}' but its taskId is '${task.taskId}'`);
  if (!TASK_KINDS.includes(task.kind)) problems.push(`kind '${String(task.kind)}' is not one of ${TASK_KINDS.join(", ")}`);
  if (task.kind === "bash" && (typeof task.command !== "string" || task.command.trim() === "")) problems.push("a bash task needs a non-empty command");
  if (task.kind === "fn" && typeof task.fn !== "function") problems.push("an fn task needs a function");
  problems.push(...taskOptionProblems(task.options));
  return problems;
}

/** "configured executors: LocalExecutor, fast (LocalExecutor)" — what a task may name instead. */
export function configuredList(executorNames: readonly ExecutorName[]): string {
  if (executorNames.length === 0) return "no executors are configured ([core] executor)";
  const names = executorNames.map((n) => (n.alias !== null ? `${n.alias} (${n.className})` : n.className));
  return `configured executors: ${names.join(", ")}`;
}
