import { Command } from "commander";
import { out, withStore } from "../context.js";
import { outputOption, render, type OutputFormat } from "../output.js";

export function poolsGetCommand(): Command {
  return new Command("get")
    .argument("<name>")
    .description("one pool with its slots and what occupies them")
    .addOption(outputOption())
    .action(async (name: string, opts: { output: OutputFormat }) => {
      const { poolUsage } = await import("../../store/queries/pools.js");
      const { SwitchyardError } = await import("../../common/errors.js");
      await withStore(async ({ store }) => {
        const pools = await poolUsage(store.db);
        const p = pools.get(name);
        if (!p) throw new SwitchyardError("POOL_NOT_FOUND", `no pool named '${name}'; existing pools: ${[...pools.keys()].join(", ")}`);
        const json = { name: p.name, slots: p.slots, running: p.running, queued: p.queued, open: p.open === Infinity ? null : p.open, description: p.description };
        if (opts.output === "json") {
          out(JSON.stringify(json, null, 2));
          return;
        }
        out(
          render(
            [json],
            [
              { header: "pool", value: (r) => r.name },
              { header: "slots", value: (r) => (r.slots < 0 ? "unlimited" : r.slots) },
              { header: "running", value: (r) => r.running },
              { header: "queued", value: (r) => r.queued },
              { header: "open", value: (r) => r.open ?? "unlimited" },
              { header: "description", value: (r) => r.description },
            ],
            opts.output,
          ),
        );
      });
    });
}
