import { Command } from "commander";
import { parseRegex, parseRunId } from "../arguments.js";
import { confirmOrRefuse } from "../confirm.js";
import { out, withStore } from "../context.js";
import { outputOption, render, type OutputFormat } from "../output.js";

interface ClearOpts {
  task?: string;
  runId?: string;
  onlyFailed?: boolean;
  downstream?: boolean;
  yes?: boolean;
  dryRun?: boolean;
  output: OutputFormat;
}

export function tasksClearCommand(): Command {
  return new Command("clear")
    .argument("<dag_id>")
    .description("reset task instances so the scheduler runs them again; in-flight tries are left alone")
    .option("-t, --task <regex>", "only tasks whose id matches this regular expression")
    .option("-r, --run-id <run_id>", "only this run (default: every run of the DAG)")
    .option("-f, --only-failed", "only failed and upstream_failed task instances")
    .option("-d, --downstream", "also the tasks downstream of the matching ones")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--dry-run", "list what would be cleared and change nothing")
    .addOption(outputOption())
    .action(async (dagId: string, opts: ClearOpts) => {
      const taskRegex = opts.task === undefined ? undefined : parseRegex(opts.task, "--task");
      const runId = opts.runId === undefined ? undefined : parseRunId(opts.runId);
      const { SwitchyardError } = await import("../../common/errors.js");
      const { getDag, parseSerializedDag } = await import("../../store/queries/dags.js");
      const { getDagRun } = await import("../../store/queries/dag-runs.js");
      const { applyClear, planClear } = await import("../../scheduler/clear.js");
      await withStore(async ({ store }) => {
        const dag = parseSerializedDag(await getDag(store.db, dagId));
        if (runId !== undefined) await getDagRun(store.db, dagId, runId);
        const sel = { ...(taskRegex ? { taskRegex } : {}), ...(runId !== undefined ? { runId } : {}), onlyFailed: opts.onlyFailed === true, downstream: opts.downstream === true };
        const plan = await planClear(store.db, dag, sel);
        if (plan.taskIds.length === 0) {
          throw new SwitchyardError("CLI_BAD_ARGUMENT", `--task '${opts.task}' matches none of ${dagId}'s tasks: ${dag.tasks.map((t) => t.taskId).join(", ")}`);
        }
        const rows = [...plan.clear.map((ti) => ({ ti, action: "clear" })), ...plan.inFlight.map((ti) => ({ ti, action: `left alone: ${ti.state}` }))];
        const listing = render(
          rows,
          [
            { header: "run_id", value: (r) => r.ti.run_id },
            { header: "task_id", value: (r) => r.ti.task_id },
            { header: "state", value: (r) => r.ti.state },
            { header: "try", value: (r) => r.ti.try_number },
            { header: "action", value: (r) => r.action },
          ],
          opts.output,
          (r) => ({ runId: r.ti.run_id, taskId: r.ti.task_id, mapIndex: r.ti.map_index, state: r.ti.state, tryNumber: r.ti.try_number, action: r.action === "clear" ? "clear" : "in_flight" }),
        );
        if (plan.clear.length === 0 || opts.dryRun) {
          out(listing);
          if (opts.output !== "json") out(plan.clear.length === 0 ? "nothing to clear" : `${plan.clear.length} task instance(s) would be cleared (dry run: nothing changed)`);
          return;
        }
        out(listing);
        if (!(await confirmOrRefuse(`Clear ${plan.clear.length} task instance(s) of ${dagId}?`, { yes: opts.yes === true, what: `clear ${plan.clear.length} task instance(s)` }))) {
          out("cancelled: nothing cleared");
          return;
        }
        const result = await applyClear(store.db, dag, plan, { now: Date.now(), source: `cli:${process.pid}` });
        if (opts.output === "json") return;
        const raced = plan.clear.length - result.cleared.length;
        out(`cleared ${result.cleared.length} task instance(s)${raced ? `; ${raced} changed state meanwhile and were left as they are` : ""}`);
        if (result.requeuedRuns.length) out(`run(s) back to queued: ${result.requeuedRuns.join(", ")}`);
        if (plan.inFlight.length) out(`${plan.inFlight.length} task instance(s) were in flight and left alone; clear them once their try ends`);
      });
    });
}
