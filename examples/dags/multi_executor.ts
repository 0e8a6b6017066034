/**
 * One DAG, three executors. Matches the quickstart's
 *   [core] executor = "LocalExecutor,SequentialExecutor,fast:LocalExecutor"
 * where LocalExecutor (first entry) is the default. `switchyard dags explain-routing multi_executor_demo`
 * shows which executor each task lands on and why.
 */
import { chain, dag } from "@switchyard/core";

// Manual only: start it with `switchyard dags trigger multi_executor_demo`.
const demo = dag("multi_executor_demo", {
  schedule: null,
  description: "Tasks routed to the SequentialExecutor, an aliased LocalExecutor and the default executor",
  tags: ["example", "executors"],
});

// Cheap bookkeeping steps go to the SequentialExecutor: one at a time, no process pool to occupy.
const start = demo.bash("start", "echo run $SWITCHYARD_RUN_ID starting", { executor: "SequentialExecutor" });

// The fan-out goes to "fast", a second LocalExecutor with its own parallelism, so it cannot
// take slots from the default executor's work.
const shards = ["eu", "us", "apac"].map((region) =>
  demo.fn(
    `count_${region}`,
    async (ctx) => {
      ctx.log(`counting ${region} on try ${ctx.tryNumber}`);
      return { region, rows: region.length * 100 };
    },
    { executor: "fast" },
  ),
);

// No executor option: the default executor (LocalExecutor) runs these.
const merge = demo.fn("merge", (ctx) => {
  ctx.log("merging the regional counts");
  return { merged: true };
});
const check = demo.bash("check", "echo checking inputs for $SWITCHYARD_DAG_ID");

const report = demo.bash("report", "echo report ready", { executor: "SequentialExecutor" });

chain(start, shards, merge, report);
start.then(check).then(report);

export default demo;
