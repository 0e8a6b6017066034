/**
 * Pools cap how much runs at once across all DAGs and executors; priority weights decide who gets a
 * free slot first. The quickstart creates the pool with `switchyard pools set limited 2`.
 */
import { dag } from "@switchyard/core";

const demo = dag("pools_and_priorities", {
  schedule: null,
  // Every task competes for the 2-slot `limited` pool unless it says otherwise.
  defaults: { pool: "limited" },
  tags: ["example", "pools"],
});

// Outside the small pool: setting up must not wait behind the work it sets up.
const prepare = demo.bash("prepare", "echo preparing", { pool: "default_pool" });

// `absolute` so that the weights written here are exactly the order the scheduler uses (the default
// `downstream` rule would add the weight of `summarize` to each).
const urgent = demo.bash("urgent", "sleep 0.3; echo urgent", { priorityWeight: 10, weightRule: "absolute" });
const normal = demo.bash("normal", "sleep 0.3; echo normal", { priorityWeight: 5, weightRule: "absolute" });
const low = demo.bash("low", "sleep 0.3; echo low", { priorityWeight: 1, weightRule: "absolute" });

// Takes both slots of `limited`: it runs alone, and it must not block `low` from using a slot
// while it waits for two slots to free up at once.
const heavy = demo.bash("heavy", "sleep 0.3; echo heavy", { poolSlots: 2, priorityWeight: 3, weightRule: "absolute" });

// `upstream`: its weight is its own plus that of every task before it (here 1 + 1 + 10 + 5 + 1 + 3 = 21),
// so a late-stage task of a run that is nearly done goes ahead of early tasks of newer runs.
const summarize = demo.fn("summarize", () => ({ done: true }), { pool: "default_pool", weightRule: "upstream" });

prepare.then(urgent, normal, low, heavy);
summarize.after(urgent, normal, low, heavy);

export default demo;
