import { SwitchyardError } from "../../common/errors.js";
import { parseExecutorNames } from "../../config/executor-names.js";
import type { SwitchyardConfig } from "../../config/types.js";
import { sideSection } from "../hybrid/sections.js";
import { compileBullMQExecutorOptions, type CompiledBullMQExecutorOptions } from "./options.js";

/** One BullMQExecutor entry of `[core] executor`, its section compiled. */
export interface BullMQEntry {
  /** alias ?? class name: the `[executors.<name>]` key. */
  readonly name: string;
  readonly options: CompiledBullMQExecutorOptions;
}

/**
 * The BullMQExecutor entries that a `--executor` flag picks: the one named, or (no flag) every one.
 * What `switchyard worker` (which takes the first) and `switchyard fleet` read Redis through,
 * without loading any executor or opening the database. Throws, naming what is configured, when
 * the name is unknown, is not a BullMQExecutor, or there is none.
 */
export function bullmqEntries(config: SwitchyardConfig, wanted: string | undefined, flag = "--executor"): BullMQEntry[] {
  const names = parseExecutorNames(config.core.executor, config.home);
  // A BullMQKubernetesExecutor's BullMQ side is served like a BullMQExecutor of its own (its sub-table, its prefix).
  const fleet = names.filter((n) => n.modulePath === null && (n.className === "BullMQExecutor" || n.className === "BullMQKubernetesExecutor"));
  const listed = fleet.map((n) => n.name).join(", ") || "none";
  const compile = (name: string): BullMQEntry => {
    const side = sideSection(config, names, name, "BullMQExecutor");
    return { name, options: compileBullMQExecutorOptions(side.options, { executor: side.executor, defaultParallelism: config.core.parallelism }) };
  };
  if (wanted === undefined) {
    if (fleet.length === 0) {
      throw new SwitchyardError(
        "NO_BULLMQ_EXECUTOR",
        `[core] executor = ${JSON.stringify(config.core.executor.join(","))} has no BullMQExecutor. ` +
          'Add it (e.g. executor = "LocalExecutor,BullMQExecutor") with its [executors.BullMQExecutor] section, as on the scheduler',
      );
    }
    return fleet.map((n) => compile(n.name));
  }
  const match = fleet.find((n) => n.name === wanted);
  if (match !== undefined) return [compile(match.name)];
  const other = names.find((n) => n.name === wanted);
  const why = other !== undefined ? `is a ${other.className}, not a BullMQExecutor or BullMQKubernetesExecutor` : "is not an entry of [core] executor";
  throw new SwitchyardError("NOT_A_BULLMQ_EXECUTOR", `${flag} ${JSON.stringify(wanted)} ${why}; BullMQExecutors configured: ${listed}`);
}
