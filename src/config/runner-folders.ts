import type { RunnerFolders } from "../common/workload.js";
import type { SwitchyardConfig } from "./types.js";

/** This host's folders for running tries, from its own configuration (absolute already). */
export function runnerFoldersOf(config: SwitchyardConfig): RunnerFolders {
  return { dagsFolder: config.core.dagsFolder, baseLogFolder: config.logging.baseLogFolder };
}
