// A plain BullMQ worker for the raw-BullMQ baselines: no orchestrator, a no-op processor. It
// reports how many jobs it ran and when the first started and the last ended (epoch ms), on exit.
import { Worker } from "bullmq";
import IORedis from "ioredis";

const [queueName, prefix, concurrency, redisUrl] = process.argv.slice(2);
const connection = new IORedis(redisUrl, { maxRetriesPerRequest: null });
let count = 0;
let firstStart = Number.POSITIVE_INFINITY;
let lastEnd = 0;
const worker = new Worker(
  queueName,
  async () => {
    const start = Date.now();
    if (start < firstStart) firstStart = start;
    count++;
    lastEnd = Date.now();
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
  process.send({ count, firstStart, lastEnd }, () => process.exit(0));
});
