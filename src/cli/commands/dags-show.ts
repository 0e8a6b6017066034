import { Command, Option } from "commander";
import { out, withStore } from "../context.js";
import { lookupDag } from "../dag-lookup.js";

export function dagsShowCommand(): Command {
  return new Command("show")
    .argument("<dag_id>")
    .description("print the DAG's graph as text, or as Graphviz DOT with --format dot")
    .addOption(new Option("-f, --format <format>", "text or dot").choices(["text", "dot"]).default("text"))
    .option("--no-parse", "do not re-parse the DAG folder first (use the DAG as last parsed)")
    .action(async (dagId: string, opts: { format: "text" | "dot"; parse: boolean }) =>
      withStore(async (ctx) => {
        const { dag } = await lookupDag(ctx, dagId, opts.parse);
        const { renderDagDot, renderDagText } = await import("../../dag/render.js");
        out(opts.format === "dot" ? renderDagDot(dag) : renderDagText(dag));
      }),
    );
}
