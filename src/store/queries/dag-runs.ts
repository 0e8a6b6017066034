// Statements on dag_run (and creating a run's task instances), one per module in dag-runs/.
export { countActiveRuns } from "./dag-runs/count-active-runs.js";
export { countRunningRunsByDag } from "./dag-runs/count-running-runs-by-dag.js";
export { createDagRun, createDagRunIn, type NewDagRun } from "./dag-runs/create-dag-run.js";
export { finishDagRun } from "./dag-runs/finish-dag-run.js";
export { getDagRun } from "./dag-runs/get-dag-run.js";
export { insertTaskInstances } from "./dag-runs/insert-task-instances.js";
export { listDagRuns } from "./dag-runs/list-dag-runs.js";
export { requeueDagRun } from "./dag-runs/requeue-dag-run.js";
export { RunType } from "./dag-runs/run-type.js";
export { runsAtLogicalDates } from "./dag-runs/runs-at-logical-dates.js";
export { runsByIdInStates } from "./dag-runs/runs-by-id-in-states.js";
export { runsInStates } from "./dag-runs/runs-in-states.js";
export { setDagRunState } from "./dag-runs/set-dag-run-state.js";
export { startDagRun } from "./dag-runs/start-dag-run.js";
export { startableQueuedRuns } from "./dag-runs/startable-queued-runs.js";
