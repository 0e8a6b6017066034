import { Command } from "commander";
import { EXIT_WHEN_IDLE_HELP } from "./scheduler.js";

export function standaloneCommand(): Command {
  return new Command("standalone")
    .description("initialise the database if needed and run the scheduler on your DAGs (a local all-in-one); --examples: a throwaway playground with the bundled example DAGs")
    .option(
      "--examples",
      "run the bundled example DAGs instead, in a throwaway home with the configuration they need (your switchyard.toml, database and SWITCHYARD__ variables are not used); triggers multi_executor_demo once and removes the home on exit",
    )
    .option("--exit-when-idle", EXIT_WHEN_IDLE_HELP)
    .addHelpText(
      "after",
      [
        "",
        "Without --examples this is `db init` followed by `scheduler` in $SWITCHYARD_HOME: your",
        "dags_folder, your executors, your database (examples only when [core] load_examples = true).",
      ].join("\n"),
    )
    .action(async (opts: { examples?: boolean; exitWhenIdle?: boolean }) => {
      const exitWhenIdle = opts.exitWhenIdle === true;
      if (opts.examples) {
        const { runExamplesPlayground } = await import("../examples-playground.js");
        await runExamplesPlayground({ exitWhenIdle });
        return;
      }
      const [{ loadConfig }, { runScheduler }] = await Promise.all([import("../../config/load.js"), import("./scheduler.js")]);
      await runScheduler(loadConfig(), { exitWhenIdle, initDb: true });
    });
}
