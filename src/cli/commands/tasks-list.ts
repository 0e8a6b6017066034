import { Command } from "commander";
import { out, withStore } from "../context.js";
import { lookupDag } from "../dag-lookup.js";
import { outputOption, render, type OutputFormat } from "../output.js";

export function tasksListCommand(): Command {
  return new Command("list")
    .argument("<dag_id>")
    .description("a DAG's tasks in dependency order (--tree: as a tree)")
    .option("--tree", "print the tasks as a tree, each under its upstream tasks")
    .option("--no-parse", "do not re-parse the DAG folder first (use the DAG as last parsed)")
    .addOption(outputOption())
    .action(async (dagId: string, opts: { tree?: boolean; parse: boolean; output: OutputFormat }) =>
      withStore(async (ctx) => {
        const { dag } = await lookupDag(ctx, dagId, opts.parse);
        if (opts.tree && opts.output !== "json") {
          const { renderTaskTree } = await import("../../dag/render.js");
          out(renderTaskTree(dag));
          return;
        }
        out(
          render(
            dag.tasks,
            [
              { header: "task_id", value: (t) => t.taskId },
              { header: "kind", value: (t) => t.kind },
              { header: "upstream", value: (t) => t.upstream.join(",") },
              { header: "trigger_rule", value: (t) => t.triggerRule },
              { header: "executor", value: (t) => t.executor ?? "(default)" },
              { header: "pool", value: (t) => t.pool },
              { header: "retries", value: (t) => t.retries },
            ],
            opts.output,
            (t) => ({ taskId: t.taskId, kind: t.kind, upstream: t.upstream, downstream: t.downstream, triggerRule: t.triggerRule, executor: t.executor, queue: t.queue, pool: t.pool, priorityWeight: t.effectivePriorityWeight, retries: t.retries }),
          ),
        );
      }),
    );
}
