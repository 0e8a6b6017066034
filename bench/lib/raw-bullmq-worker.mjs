// A plain BullMQ worker for the raw-BullMQ baselines and the peers benchmark: no orchestrator; each
// job is a no-op (`noop`) or one `bash -c true` (`bash`). On "stop" it reports how many jobs it ran
// and each one's start and end (epoch ms) as its processor saw them, in the order they ended.
import { Worker } from "bullmq";
import IORedis from "ioredis";
import { bashTrue, epochMs } from "./bash-true.mjs";

const [queueName, prefix, concurrency, redisUrl, job = "noop"] = process.argv.slice(2);
if (job !== "noop" && job !== "bash") throw new Error(`raw BullMQ worker: job must be noop or bash, not ${JSON.stringify(job)}`);
const connection = new IORedis(redisUrl, { maxRetriesPerRequest: null });
/** [job data's i, start, end] per job. */
const tries = [];
const worker = new Worker(
  queueName,
  async (j) => {
    const start = epochMs();
    if (job === "bash") await bashTrue();
    tries.push([j.data.i, start, epochMs()]);
    return null;
  },
  { connection, prefix, concurrency: Number(concurrency) },
);
worker.on("error", (error) => process.stderr.write(`raw BullMQ worker: ${error.message}\n`));
await worker.waitUntilReady();
process.send({ ready: true });
process.on("message", async (message) => {
  if (message !== "stop") return;
  await worker.close();
  await connection.quit();
  process.send({ tries }, () => process.exit(0));
});
