/**
 * A worker thread that runs tries the way a runner does: the built runner's runTaskTry (its log
 * file, the DAG file imported through the DAG loader, which registers tsx and the `@switchyard/core`
 * resolve hook in this thread, the fn, the reports). Plain JavaScript, started with no execArgv,
 * so that nothing but that loader makes TypeScript importable here, as in a runner from dist.
 * Each workload message gets a `running` and a `finished` message back.
 */
import { parentPort, workerData } from "node:worker_threads";

const { runTaskTry } = await import(workerData.runTaskTryUrl);

parentPort.on("message", async (workload) => {
  const reporter = {
    running: (info) => parentPort.postMessage({ state: "running", info }),
    finished: (state, info) => parentPort.postMessage({ state, info }),
  };
  await runTaskTry(workload, reporter, { folders: workerData.folders });
});
