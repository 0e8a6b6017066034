import { errorLine } from "../common/errors.js";
import type { Workload } from "../common/workload.js";
import type { DagDefinition, TaskDefinition, TaskOptions } from "../dag/types.js";
import { loadDagsCached } from "./dag-cache.js";
import { DagFileLoadError, TaskNotFoundError } from "./errors.js";
import { effectiveTaskOptions } from "./task-options.js";

export interface ResolvedTask {
  readonly dag: DagDefinition;
  readonly task: TaskDefinition;
  /** DAG defaults under the task's own options. */
  readonly options: TaskOptions;
}

/** Import the workload's DAG file (at `dagFile` on this host) and find its task; throws DagFileLoadError or TaskNotFoundError. */
export async function resolveTask(workload: Workload, dagFile: string): Promise<ResolvedTask> {
  const { dagId, taskId } = workload.key;
  let dags: DagDefinition[];
  try {
    dags = await loadDagsCached(dagFile);
  } catch (error) {
    throw new DagFileLoadError(dagFile, error, errorLine(error));
  }
  const dag = dags.find((d) => d.dagId === dagId);
  if (dag === undefined) {
    const found = dags.map((d) => d.dagId).join(", ") || "none";
    throw new TaskNotFoundError(`DAG '${dagId}' is not defined in ${dagFile}; DAGs in that file: ${found}`, {
      dagFile,
      dagId,
      taskId,
    });
  }
  const task = dag.tasks.get(taskId);
  if (task === undefined) {
    const found = [...dag.tasks.keys()].join(", ") || "none";
    throw new TaskNotFoundError(`task '${taskId}' is not defined in DAG '${dagId}' (${dagFile}); its tasks: ${found}`, {
      dagFile,
      dagId,
      taskId,
    });
  }
  return { dag, task, options: effectiveTaskOptions(dag, task) };
}
