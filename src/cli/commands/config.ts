import { Command } from "commander";
import { cliConfig, out } from "../context.js";
import { outputOption, render, type OutputFormat } from "../output.js";

export function configCommand(): Command {
  const config = new Command("config").description("show the effective configuration (switchyard.toml + SWITCHYARD__SECTION__KEY overrides)");
  config
    .command("get-value <section> <key>")
    .description("print one value, e.g. `config get-value core parallelism`")
    .action(async (section: string, key: string) => {
      const { formatConfigValue, getConfigValue } = await import("../../config/values.js");
      // Executor sections answer with the executor's defaults too, which needs its options module.
      const get = section.toLowerCase().startsWith("executors.") ? (await import("../../executors/settings.js")).executorConfigValue : getConfigValue;
      out(formatConfigValue(await get(await cliConfig(), section, key)));
    });
  config
    .command("list")
    .description("every setting with its value and where it came from (default, file or env)")
    .addOption(outputOption())
    .action(async (opts: { output: OutputFormat }) => {
      const { formatConfigValue, listConfig } = await import("../../config/values.js");
      const rows = listConfig(await cliConfig());
      out(
        render(
          rows,
          [
            { header: "section", value: (r) => r.section },
            { header: "key", value: (r) => r.key },
            { header: "value", value: (r) => formatConfigValue(r.value) },
            { header: "source", value: (r) => r.source },
          ],
          opts.output,
        ),
      );
    });
  return config;
}
