// Statements on dag and import_error, one per module in dags/.
export { dagsDueForRuns } from "./dags/dags-due-for-runs.js";
export { deleteDagMetadata, type DeletedDag } from "./dags/delete-dag-metadata.js";
export { getDag } from "./dags/get-dag.js";
export { getSerializedDag } from "./dags/get-serialized-dag.js";
export { listDags } from "./dags/list-dags.js";
export { listImportErrors } from "./dags/list-import-errors.js";
export { nextDagrunDue } from "./dags/next-dagrun-due.js";
export { parseSerializedDag } from "./dags/parse-serialized-dag.js";
export { setDagPaused } from "./dags/set-dag-paused.js";
export { setNextDagrunAt } from "./dags/set-next-dagrun-at.js";
export { syncDagBag, type DagSyncRow } from "./dags/sync-dag-bag.js";
