import os from "node:os";
import { Command } from "commander";
import { cliConfig, out } from "../context.js";
import { outputOption, render, type OutputFormat } from "../output.js";

export function versionCommand(version: string): Command {
  return new Command("version").description("print the version (same as --version)").action(() => out(version));
}

/** What to paste into a bug report; the database URL's password is masked. */
export function infoCommand(version: string): Command {
  return new Command("info")
    .description("what to paste into a bug report: versions, platform, config file, database (password masked), executors, folders")
    .addOption(outputOption())
    .action(async (opts: { output: OutputFormat }) => {
      const config = await cliConfig();
      const url = config.database.url;
      const info = {
        version,
        node: process.version,
        platform: `${os.platform()} ${os.release()} ${os.arch()}`,
        home: config.home,
        configFile: config.configFile ?? "(none: defaults and environment only)",
        database: url.reveal().startsWith("postgres") ? "postgresql" : "sqlite",
        databaseUrl: String(url),
        executors: config.core.executor.join(","),
        parallelism: config.core.parallelism,
        dagsFolder: config.core.dagsFolder,
        baseLogFolder: config.logging.baseLogFolder,
      };
      if (opts.output === "json") {
        out(JSON.stringify(info, null, 2));
        return;
      }
      out(render(Object.entries(info), [{ header: "key", value: ([k]) => k }, { header: "value", value: ([, v]) => v }], opts.output));
    });
}
