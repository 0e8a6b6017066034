import { Command } from "commander";
import { SwitchyardError } from "../../common/errors.js";
import { parsePoolSlots } from "../arguments.js";
import { out, withStore } from "../context.js";
import { outputOption, render, type OutputFormat } from "../output.js";
import { poolsGetCommand } from "./pools-get.js";

const POOL_NAME = /^[A-Za-z0-9_.-]{1,250}$/;

export function poolsCommand(): Command {
  const pools = new Command("pools").description("pools limit how many task slots run at once across all executors");
  pools
    .command("set <name> <slots> [description]")
    .description("create a pool or change its slots (-1: unlimited)")
    .action(async (name: string, slotsText: string, description: string | undefined) => {
      if (!POOL_NAME.test(name)) throw new SwitchyardError("CLI_BAD_ARGUMENT", `pool name '${name}' is not valid; use 1-250 characters from A-Z a-z 0-9 _ . -`);
      const slots = parsePoolSlots(slotsText);
      await withStore(async ({ store }) => {
        const { setPool } = await import("../../store/queries/pools.js");
        await setPool(store.db, { name, slots, ...(description !== undefined ? { description } : {}) });
        out(`pool ${name}: ${slots === -1 ? "unlimited" : `${slots} slot(s)`}`);
      });
    });
  pools
    .command("list")
    .description("pools with their slots and what occupies them")
    .addOption(outputOption())
    .action(async (opts: { output: OutputFormat }) =>
      withStore(async ({ store }) => {
        const { poolUsage } = await import("../../store/queries/pools.js");
        const rows = [...(await poolUsage(store.db)).values()];
        out(
          render(
            rows,
            [
              { header: "pool", value: (r) => r.name },
              { header: "slots", value: (r) => (r.slots < 0 ? "unlimited" : r.slots) },
              { header: "running", value: (r) => r.running },
              { header: "queued", value: (r) => r.queued },
              { header: "open", value: (r) => (r.open === Infinity ? "unlimited" : r.open) },
              { header: "description", value: (r) => r.description },
            ],
            opts.output,
            (r) => ({ name: r.name, slots: r.slots, running: r.running, queued: r.queued, open: r.open === Infinity ? null : r.open, description: r.description }),
          ),
        );
      }),
    );
  pools
    .command("delete <name>")
    .description("delete a pool (not default_pool, and not while task instances occupy it)")
    .action(async (name: string) =>
      withStore(async ({ store }) => {
        const { deletePool } = await import("../../store/queries/pools.js");
        await deletePool(store.db, name);
        out(`pool ${name} deleted`);
      }),
    );
  pools.addCommand(poolsGetCommand());
  return pools;
}
