import { Command } from "commander";
import { errorLine } from "../../common/errors.js";
import { cliConfig, out } from "../context.js";
import { outputOption, render, type OutputFormat } from "../output.js";

export function executorsCommand(): Command {
  const executors = new Command("executors").description("the executors configured in [core] executor");
  executors
    .command("list")
    .description("configured executors in order (the first is the default), with their settings")
    .addOption(outputOption())
    .action(async (opts: { output: OutputFormat }) => {
      const { loadExecutors } = await import("../../executors/loader.js");
      const config = await cliConfig();
      const set = await loadExecutors(config);
      const rows = set.all.map((ex, i) => ({
        name: ex.name.name,
        className: ex.name.className,
        alias: ex.name.alias,
        module: ex.name.modulePath,
        isDefault: i === 0,
        parallelism: ex.parallelism,
        isLocal: ex.isLocal,
        isProduction: ex.isProduction,
      }));
      out(
        render(
          rows,
          [
            { header: "name", value: (r) => r.name },
            { header: "class", value: (r) => r.className },
            { header: "default", value: (r) => (r.isDefault ? "yes" : "") },
            { header: "parallelism", value: (r) => r.parallelism },
            { header: "module", value: (r) => r.module ?? "(built-in)" },
          ],
          opts.output,
        ),
      );
    });
  executors
    .command("check")
    .description("load, start and stop every configured executor; exit 1 if any fails")
    .action(async () => {
      const { parseExecutorNames } = await import("../../config/executor-names.js");
      const { loadExecutors } = await import("../../executors/loader.js");
      const config = await cliConfig();
      const names = parseExecutorNames(config.core.executor, config.home);
      const set = await loadExecutors(config);
      let failed = 0;
      for (const ex of set.all) {
        try {
          await ex.start();
          await ex.end();
          out(`ok    ${ex.name.name} (${ex.name.className}, parallelism ${ex.parallelism})`);
        } catch (err) {
          failed++;
          out(`FAIL  ${ex.name.name}: ${errorLine(err)}`);
        }
      }
      if (failed) process.exitCode = 1;
      else out(`${names.length} executor(s) ok`);
    });
  return executors;
}
