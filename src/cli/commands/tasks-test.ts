import { Command } from "commander";
import { abortOnSignal } from "../abort-on-signal.js";
import { parseConf, parseDate } from "../arguments.js";
import { cliConfig, out } from "../context.js";

export function tasksTestCommand(): Command {
  return new Command("test")
    .argument("<dag_id>")
    .argument("<task_id>")
    .description("run one task in this process, ignoring its upstream tasks; nothing is recorded (exit 1 if it fails)")
    .option("-c, --conf <json>", "JSON object passed to the task as ctx.conf", "{}")
    .option("-l, --logical-date <date>", "logical date the task sees, ISO-8601 (default: now)")
    .action(async (dagId: string, taskId: string, opts: { conf: string; logicalDate?: string }) => {
      const conf = parseConf(opts.conf);
      const logicalDate = opts.logicalDate === undefined ? Date.now() : parseDate(opts.logicalDate, "--logical-date");
      const { runTaskTest } = await import("../../scheduler/task-test.js");
      const config = await cliConfig();
      const { outcome, log } = await abortOnSignal((signal) => runTaskTest(config, { dagId, taskId, conf, logicalDate, signal }));
      for (const line of log) out(line);
      out(`${dagId}.${taskId}: ${outcome.state}${outcome.info.error ? ` (${outcome.info.error})` : ""} (nothing recorded)`);
      if (outcome.state !== "success") process.exitCode = 1;
    });
}
