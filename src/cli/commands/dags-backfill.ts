import { Command } from "commander";
import { parseDate } from "../arguments.js";
import { out, withStore } from "../context.js";
import { isoMs, outputOption, render, type OutputFormat } from "../output.js";

export function dagsBackfillCommand(): Command {
  return new Command("backfill")
    .argument("<dag_id>")
    .description("create a backfill run per schedule tick from --start-date to --end-date (both included) for the scheduler to run; dates that have a run are skipped")
    .requiredOption("-s, --start-date <date>", "first logical date, ISO-8601")
    .requiredOption("-e, --end-date <date>", "last logical date, ISO-8601")
    .option("--dry-run", "list the runs that would be created and create nothing")
    .option("--no-parse", "do not re-parse the DAG folder first (use the DAG as last parsed)")
    .addOption(outputOption())
    .action(async (dagId: string, opts: { startDate: string; endDate: string; dryRun?: boolean; parse: boolean; output: OutputFormat }) => {
      const start = parseDate(opts.startDate, "--start-date");
      const end = parseDate(opts.endDate, "--end-date");
      const { syncDagsFolder } = await import("../../scheduler/dag-sync.js");
      const { backfillDates, createBackfillRuns } = await import("../../scheduler/backfill.js");
      const { getDag, parseSerializedDag } = await import("../../store/queries/dags.js");
      const { parseExecutorNames } = await import("../../config/executor-names.js");
      await withStore(async ({ config, store }) => {
        if (opts.parse) await syncDagsFolder(store, config);
        const row = await getDag(store.db, dagId);
        const dag = parseSerializedDag(row);
        const dates = backfillDates(dag, start, end);
        const result = await createBackfillRuns(store.db, dag, dates, {
          executorNames: parseExecutorNames(config.core.executor, config.home),
          now: Date.now(),
          source: `cli:${process.pid}`,
          dryRun: opts.dryRun === true,
        });
        const rows = [...result.created.map((r) => ({ ...r, action: opts.dryRun ? "would create" : "created" })), ...result.skipped.map((r) => ({ ...r, action: "skipped: a run exists" }))].sort(
          (a, b) => a.logicalDate - b.logicalDate,
        );
        out(
          render(
            rows,
            [
              { header: "logical_date", value: (r) => isoMs(r.logicalDate) },
              { header: "run_id", value: (r) => r.runId },
              { header: "action", value: (r) => r.action },
            ],
            opts.output,
            (r) => ({ logicalDate: isoMs(r.logicalDate), runId: r.runId, action: r.action === "created" || r.action === "would create" ? (opts.dryRun ? "would_create" : "created") : "skipped" }),
          ),
        );
        if (opts.output === "json") return;
        if (dates.length === 0) out(`no schedule tick of ${dagId} (${dag.schedule}) falls in that range${dag.startDate ? ` (the DAG starts at ${dag.startDate})` : ""}`);
        else out(`${opts.dryRun ? "would create" : "created"} ${result.created.length} backfill run(s), skipped ${result.skipped.length} date(s) that already have a run${opts.dryRun ? " (dry run: nothing changed)" : "; a running scheduler starts them"}`);
        if (row.is_paused === 1 && !opts.dryRun && result.created.length) out(`note: ${dagId} is paused; its runs start once it is unpaused`);
      });
    });
}
