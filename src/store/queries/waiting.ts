// The statements that tell whether runs can progress on their own, one per module in waiting/.
export { activeRunsWithDag, type ActiveRun } from "./waiting/active-runs-with-dag.js";
export { anyTiProgressing } from "./waiting/any-ti-progressing.js";
