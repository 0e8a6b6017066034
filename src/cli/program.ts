import { Command } from "commander";
import { configCommand } from "./commands/config.js";
import { dagProcessorCommand } from "./commands/dag-processor.js";
import { dagsCommand } from "./commands/dags.js";
import { dbCommand } from "./commands/db.js";
import { executorsCommand } from "./commands/executors.js";
import { fleetCommand } from "./commands/fleet.js";
import { infoCommand, versionCommand } from "./commands/info.js";
import { kubernetesCommand } from "./commands/kubernetes.js";
import { poolsCommand } from "./commands/pools.js";
import { schedulerCommand } from "./commands/scheduler.js";
import { standaloneCommand } from "./commands/standalone.js";
import { tasksCommand } from "./commands/tasks.js";
import { workerCommand } from "./commands/worker.js";

export function buildProgram(version: string): Command {
  const program = new Command("switchyard")
    .description("A workflow orchestrator for TypeScript: DAGs of tasks, a scheduler with a metadata database, and pluggable executors that run each task where it fits.")
    .addHelpText(
      "after",
      [
        "",
        "Configuration is read from switchyard.toml in $SWITCHYARD_HOME (default: the current",
        "directory); any key can be overridden with SWITCHYARD__<SECTION>__<KEY>.",
        "",
        "Start here:",
        "  switchyard db init",
        "  switchyard dags list",
        "  switchyard dags trigger <dag_id>",
        "  switchyard scheduler --exit-when-idle",
        "  switchyard tasks states-for-dag-run <dag_id> <run_id>",
      ].join("\n"),
    )
    .version(version)
    .showHelpAfterError("(run with --help for usage)")
    .configureHelp({ sortSubcommands: false });
  for (const cmd of [dbCommand(), dagsCommand(), tasksCommand(), schedulerCommand(), dagProcessorCommand(), workerCommand(), fleetCommand(), kubernetesCommand(), standaloneCommand(), poolsCommand(), executorsCommand(), configCommand(), versionCommand(version), infoCommand(version)]) {
    program.addCommand(cmd);
  }
  return program;
}
