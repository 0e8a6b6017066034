// A graphile-worker runner for the peers benchmark: jobs of the task `bash` run one `bash -c true`
// each. Both modes get a pool of concurrency + 2 connections (graphile-worker warns that its
// default of 10 is too small for concurrency 32, and documents concurrency + 2); `batched` adds
// its documented batching: a local queue of concurrency + 1 jobs and completions batched.
// Each completion (its `job:complete` event) is sent to the parent: graphile-worker has no
// completion notification for other processes. On "stop" it reports each job's start and end
// (epoch ms) as its task function saw them.
import { Logger, run } from "graphile-worker";
import { bashTrue, epochMs } from "./bash-true.mjs";

const [connectionString, schema, concurrencyText, mode] = process.argv.slice(2);
if (mode !== "defaults" && mode !== "batched") throw new Error(`graphile-worker runner: mode must be defaults or batched, not ${JSON.stringify(mode)}`);
const concurrency = Number(concurrencyText);
// Warnings and errors only: the default logger prints a line per completed job.
const logger = new Logger(() => (level, message) => {
  if (level === "error" || level === "warning") process.stderr.write(`graphile-worker ${level}: ${message}\n`);
});
/** [payload's i, start, end] per job. */
const tries = [];
const batching = mode === "batched" ? { preset: { worker: { localQueue: { size: concurrency + 1 }, completeJobBatchDelay: 0 } } } : {};
const runner = await run({
  connectionString,
  schema,
  concurrency,
  maxPoolSize: Math.max(10, concurrency + 2),
  noHandleSignals: true,
  logger,
  taskList: {
    bash: async (payload) => {
      const start = epochMs();
      await bashTrue();
      tries.push([payload.i, start, epochMs()]);
    },
  },
  ...batching,
});
runner.events.on("job:complete", ({ job, error }) => process.send({ completed: job.payload.i, error: error == null ? undefined : String(error) }));
process.send({ ready: true });
process.on("message", async (message) => {
  if (message !== "stop") return;
  await runner.stop();
  process.send({ tries }, () => process.exit(0));
});
