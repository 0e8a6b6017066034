import { Command } from "commander";
import { abortOnSignal } from "../abort-on-signal.js";
import { parseConf, parseDate, parseRunId } from "../arguments.js";
import { out, withStore } from "../context.js";

export function dagsTestCommand(): Command {
  return new Command("test")
    .argument("<dag_id>")
    .description("run one DAG run in this process, tasks in dependency order, logs to the terminal; no scheduler needed (exit 1 if the run fails)")
    .option("-c, --conf <json>", "JSON object passed to the run's tasks as ctx.conf", "{}")
    .option("-l, --logical-date <date>", "logical date of the run, ISO-8601 (default: now)")
    .option("-r, --run-id <run_id>", "id of the run (default: manual__<logical date>)")
    .option("--no-parse", "do not re-parse the DAG folder first (use the DAG as last parsed)")
    .action(async (dagId: string, opts: { conf: string; logicalDate?: string; runId?: string; parse: boolean }) => {
      const conf = parseConf(opts.conf);
      const logicalDate = opts.logicalDate === undefined ? Date.now() : parseDate(opts.logicalDate, "--logical-date");
      const runId = opts.runId === undefined ? undefined : parseRunId(opts.runId);
      const { syncDagsFolder } = await import("../../scheduler/dag-sync.js");
      const { runDagTest } = await import("../../scheduler/dag-test.js");
      await withStore(async ({ config, store }) => {
        if (opts.parse) await syncDagsFolder(store, config);
        const { run, tis } = await abortOnSignal((signal) =>
          runDagTest(store, config, {
            dagId,
            conf,
            logicalDate,
            ...(runId !== undefined ? { runId } : {}),
            signal,
            onTryLog: (ti, lines) => {
              for (const line of lines) out(`[${ti.taskId}] ${line}`);
            },
          }),
        );
        out("");
        const width = Math.max(...tis.map((t) => t.task_id.length));
        for (const ti of tis) out(`${ti.task_id.padEnd(width)}  ${ti.state}${ti.try_number > 1 ? ` (try ${ti.try_number})` : ""}`);
        out(`run ${run.run_id} of ${dagId}: ${run.state}`);
        if (run.state !== "success") process.exitCode = 1;
      });
    });
}
