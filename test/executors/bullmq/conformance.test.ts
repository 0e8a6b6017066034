/**
 * The executor conformance suite against the BullMQExecutor, with real Redis and a real
 * `switchyard worker` process per executor (each with a Redis prefix of its own, so job ids that
 * repeat across tests never meet).
 */
import { after, before } from "node:test";
import { BullMQExecutor } from "../../../src/executors/bullmq/executor.js";
import { Home } from "../../support/home.js";
import { executorConformance } from "../conformance.js";
import { context } from "../helpers.js";
import { assertRedisAnswers, deletePrefix, executorSection, REDIS_URL, testPrefix } from "./support.js";

const started: Array<{ home: Home; prefix: string; kill: () => void; done: Promise<unknown> }> = [];

before(() => assertRedisAnswers());
after(async () => {
  for (const w of started) w.kill();
  await Promise.all(started.map((w) => w.done.catch(() => undefined)));
  for (const w of started) {
    await deletePrefix(w.prefix);
    w.home.cleanup();
  }
});

/** A worker on the test's prefix, whose folders are the filesystem root as the suite's workloads expect. */
function spawnWorker(prefix: string): void {
  const toml = `[core]\nexecutor = "BullMQExecutor"\ndags_folder = "/"\n[logging]\nbase_log_folder = "/"\n${executorSection("BullMQExecutor", prefix)}`;
  const home = new Home({ toml });
  const { child, done } = home.spawn(["worker", "--name", "conformance", "-q", "default", "-c", "4"]);
  started.push({ home, prefix, kill: () => child.kill("SIGKILL"), done });
}

/** The prefix each executor was made with: a restarted scheduler's executor uses the same one (the same fleet). */
const prefixes = new WeakMap<object, string>();

function executorOn(prefix: string, parallelism: number): BullMQExecutor {
  // The worker is spawned, not awaited, as each test starts: on a loaded machine its start-up can
  // outlast a 5 s worker_timeout, and the executor would rightly fail the first try as "no live
  // worker serves queue". No test here is about worker loss (test/worker/ has those).
  const executor = new BullMQExecutor(context("BullMQExecutor", { redis_url: REDIS_URL, prefix, parallelism, worker_timeout: 30 }));
  prefixes.set(executor, prefix);
  return executor;
}

executorConformance("BullMQExecutor", {
  triesOutliveScheduler: true,
  make(parallelism) {
    const prefix = testPrefix();
    spawnWorker(prefix);
    return executorOn(prefix, parallelism);
  },
  restarted(previous) {
    const prefix = prefixes.get(previous);
    if (prefix === undefined) throw new Error("restarted() was given an executor this suite did not make");
    return executorOn(prefix, previous.parallelism);
  },
});
