import { Command } from "commander";
import { out, withStore } from "../context.js";
import { lookupDag } from "../dag-lookup.js";
import { isoMs, outputOption, parseIntArg, render, type OutputFormat } from "../output.js";

export function dagsNextExecutionCommand(): Command {
  return new Command("next-execution")
    .argument("<dag_id>")
    .description("the logical date(s) of a DAG's next scheduled run(s); None when it has no schedule")
    .option("-n, --num-executions <n>", "how many", parseIntArg("--num-executions", 1), 1)
    .option("--no-parse", "do not re-parse the DAG folder first (use the DAG as last parsed)")
    .addOption(outputOption())
    .action(async (dagId: string, opts: { numExecutions: number; parse: boolean; output: OutputFormat }) =>
      withStore(async (ctx) => {
        const { row, dag } = await lookupDag(ctx, dagId, opts.parse);
        const { nextScheduleTick } = await import("../../dag/schedule.js");
        const dates: number[] = [];
        let next: number | null = row.next_dagrun_at === null ? null : Number(row.next_dagrun_at);
        while (next !== null && dates.length < opts.numExecutions) {
          dates.push(next);
          next = nextScheduleTick(dag, new Date(next))?.getTime() ?? null;
        }
        if (opts.output === "json") {
          out(JSON.stringify(dates.map((d) => isoMs(d))));
        } else if (dates.length === 0) {
          out("None");
        } else {
          out(render(dates, [{ header: "logical_date", value: (d) => isoMs(d) }], "plain"));
        }
        if (row.is_paused === 1) process.stderr.write(`note: ${dagId} is paused; no run is created until it is unpaused\n`);
      }),
    );
}
