import path from "node:path";

/** Where a try's log lives: Airflow's layout, so operators find it where they expect. */
export function tryLogPath(
  baseLogFolder: string,
  ti: { dagId: string; runId: string; taskId: string; mapIndex: number; tryNumber: number },
): string {
  const parts = [`dag_id=${ti.dagId}`, `run_id=${ti.runId.replace(/[/\\]/g, "_")}`, `task_id=${ti.taskId}`];
  if (ti.mapIndex >= 0) parts.push(`map_index=${ti.mapIndex}`);
  return path.join(baseLogFolder, ...parts, `attempt=${ti.tryNumber}.log`);
}
