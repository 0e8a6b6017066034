import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SwitchyardError } from "../common/errors.js";
import type { SwitchyardConfig } from "../config/types.js";
import { parseDagBagIsolated } from "../dag/dagbag-isolated.js";
import type { SerializedDag, SerializedTask } from "../dag/types.js";
import type { Workload } from "../common/workload.js";
import { runTaskTry } from "../runner/run-task-try.js";
import type { TryOutcome } from "../runner/types.js";
import { tryLogFile } from "../common/workload.js";
import { buildWorkload, newTryToken } from "./workload.js";
import { EXAMPLE_DAGS_FOLDER } from "./dag-sync.js";
import { manualRunId } from "./runs.js";

export interface TaskTestOptions {
  dagId: string;
  taskId: string;
  conf: Record<string, unknown>;
  logicalDate: number;
  signal?: AbortSignal;
}

/**
 * `tasks test` (Airflow's): one try of one task in this process, its upstream ignored, and nothing
 * recorded: the DAG comes from a fresh parse of the DAG folder, the log goes to a temporary file
 * that is returned and removed, and the metadata database is never opened.
 */
export async function runTaskTest(config: SwitchyardConfig, opts: TaskTestOptions): Promise<{ outcome: TryOutcome; log: string[] }> {
  const { dag, task } = await parseOneTask(config, opts.dagId, opts.taskId);
  const logFolder = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-tasks-test-"));
  try {
    const workload = manualFirstTry(config, dag, task, { logicalDate: opts.logicalDate, conf: opts.conf, token: newTryToken() });
    const ignore = () => undefined;
    const folders = { dagsFolder: config.core.dagsFolder, baseLogFolder: logFolder };
    const outcome = await runTaskTry(workload, { running: ignore, finished: ignore }, { folders, ...(opts.signal ? { signal: opts.signal } : {}) });
    const logPath = tryLogFile(logFolder, workload);
    const log = fs.existsSync(logPath) ? fs.readFileSync(logPath, "utf8").split("\n").filter((l) => l !== "") : [];
    return { outcome, log };
  } finally {
    fs.rmSync(logFolder, { recursive: true, force: true });
  }
}

/**
 * The workload of try 1 of a task outside any recorded run (`tasks test`, `kubernetes
 * generate-pod`): the run id a manual run at `logicalDate` would get, the task's own queue, pool
 * and priority weight.
 */
export function manualFirstTry(config: SwitchyardConfig, dag: SerializedDag, task: SerializedTask, run: { logicalDate: number; conf: Record<string, unknown>; token: string }): Workload {
  return buildWorkload({
    key: { dagId: dag.dagId, taskId: task.taskId, runId: manualRunId(run.logicalDate), mapIndex: -1, tryNumber: 1 },
    task,
    dagFile: dag.fileloc,
    dagsFolder: config.core.dagsFolder,
    queue: task.queue,
    pool: task.pool,
    priorityWeight: task.effectivePriorityWeight,
    token: run.token,
    maxTaskLogMb: config.logging.maxTaskLogMb,
    logicalDate: run.logicalDate,
    conf: JSON.stringify(run.conf),
  });
}

/** parseOneDag, then the task, or says which tasks the DAG has. */
export async function parseOneTask(config: SwitchyardConfig, dagId: string, taskId: string): Promise<{ dag: SerializedDag; task: SerializedTask }> {
  const dag = await parseOneDag(config, dagId);
  const task = dag.tasks.find((t) => t.taskId === taskId);
  if (task === undefined) {
    throw new SwitchyardError("TASK_NOT_FOUND", `DAG '${dag.dagId}' has no task '${taskId}'; its tasks: ${dag.tasks.map((t) => t.taskId).join(", ")}`);
  }
  return { dag, task };
}

/** Parses the DAG folder (in a child process, as the scheduler does) and returns one DAG, or says why it is not there. */
export async function parseOneDag(config: SwitchyardConfig, dagId: string): Promise<SerializedDag> {
  const bag = await parseDagBagIsolated({
    folder: config.core.dagsFolder,
    extraFolders: config.core.loadExamples ? [EXAMPLE_DAGS_FOLDER] : [],
    executorEntries: config.core.executor,
    home: config.home,
    timeoutSeconds: config.core.dagbagImportTimeout,
    memoryLimitMb: config.core.dagbagImportMemoryMb,
    defaultQueue: config.core.defaultQueue,
  });
  const dag = bag.dags.find((d) => d.dagId === dagId);
  if (dag) return dag;
  const known = bag.dags.map((d) => d.dagId).join(", ") || "none";
  const broken = bag.errors.length ? `; ${bag.errors.length} file(s) failed to import: ${bag.errors.map((e) => path.basename(e.filename)).join(", ")} (see \`switchyard dags list-import-errors\`)` : "";
  throw new SwitchyardError("DAG_NOT_FOUND", `no DAG named '${dagId}' in ${config.core.dagsFolder}; DAGs there: ${known}${broken}`);
}
