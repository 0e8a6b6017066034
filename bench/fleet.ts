/**
 * fleet: `fanout` and `hop` through the BullMQExecutor with two `switchyard worker` processes
 * (each from a home of its own), beside raw BullMQ (the same number of no-op jobs, two plain
 * BullMQ worker processes, no orchestrator) measured in the same run. Scheduler, workers and
 * Redis all share this machine. Targets (issue 10 §5): fan-out >= 0.3 x raw BullMQ; hop p50 <= 20 ms.
 */
import { Redis } from "ioredis";
import { FANOUT_TASKS } from "./fanout.js";
import { HOP_TASKS } from "./hop.js";
import { chainDag, fanoutDag } from "./lib/dags.js";
import { startFleetWorkers, type FleetWorkerProcess } from "./lib/fleet-workers.js";
import { benchTarget, describeConfig, type HomeConfig } from "./lib/home.js";
import { step } from "./lib/progress.js";
import { BENCH_REDIS_URL, dropPrefix, rawBullmqFanout, rawBullmqHop } from "./lib/raw-bullmq.js";
import type { Figure, ScenarioResult } from "./lib/report.js";
import { withSession, type RunResult } from "./lib/session.js";
import { gaps } from "./lib/spans.js";
import { spread } from "./lib/stats.js";
import { chainGaps, throughput } from "./lib/timing.js";

const WORKERS = 2;
const CONCURRENCY = 16;
const PARALLELISM = WORKERS * CONCURRENCY * 2;

export async function fleet(): Promise<ScenarioResult> {
  const prefix = `switchyard-bench-fleet-${process.pid}`;
  const section = { redis_url: BENCH_REDIS_URL, prefix, parallelism: PARALLELISM, worker_timeout: 30 };
  const config: HomeConfig = { executor: "BullMQExecutor", parallelism: PARALLELISM, executors: { BullMQExecutor: section } };
  const dags = {
    "fleet_fanout.ts": fanoutDag("fleet_fanout", FANOUT_TASKS, { kind: "fn" }),
    "fleet_hop.ts": chainDag("fleet_hop", HOP_TASKS, { kind: "fn" }),
  };

  step(`fleet floors: raw BullMQ, ${FANOUT_TASKS} no-op jobs on ${WORKERS} worker processes of concurrency ${CONCURRENCY}; ${HOP_TASKS} jobs one after another`);
  const rawFanout = await rawBullmqFanout(FANOUT_TASKS, WORKERS, CONCURRENCY);
  const rawHop = spread(gaps(await rawBullmqHop(HOP_TASKS)));

  step(`fleet: scheduler + ${WORKERS} switchyard workers (concurrency ${CONCURRENCY} each), ${FANOUT_TASKS} independent fn tasks, then a chain of ${HOP_TASKS}`);
  const measured = await withSession("fleet", config, dags, async (session) => {
    const workers = await startFleetWorkers(
      Array.from({ length: WORKERS }, (_, i) => ({ name: `bench-w${i + 1}`, queues: ["default"], concurrency: CONCURRENCY, executor: section, dags })),
    );
    const workerCpu = () =>
      workers.reduce(
        (sum, w) => {
          const cpu = w.cpuSeconds();
          return { worker: sum.worker + cpu.worker, runners: sum.runners + cpu.runners };
        },
        { worker: 0, runners: 0 },
      );
    const measure = async (dagId: string, label: string): Promise<{ run: RunResult; workerCpu: { worker: number; runners: number } }> => {
      const before = workerCpu();
      const run = await session.run(dagId, { label }).catch((error: unknown) => {
        throw new Error(`${error instanceof Error ? error.message : String(error)}\n${workers.map((w: FleetWorkerProcess) => `${w.spec.name}:\n${w.logTail()}`).join("\n")}`);
      });
      const after = workerCpu();
      return { run, workerCpu: { worker: after.worker - before.worker, runners: after.runners - before.runners } };
    };
    try {
      return { fanout: await measure("fleet_fanout", "fleet fanout"), hop: await measure("fleet_hop", "fleet hop") };
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  }).finally(async () => {
    const redis = new Redis(BENCH_REDIS_URL, { maxRetriesPerRequest: 1 });
    await dropPrefix(redis, prefix).catch(() => undefined);
    redis.disconnect();
  });

  const { fanout, hop } = measured;
  const n = fanout.run.tis.length;
  const hops = spread(chainGaps(hop.run.tis).hopMs);
  const perThousand = (cpu: number, tis: number) => (cpu / tis) * 1000;
  const figures: Figure[] = [
    { name: "fan-out tasks/s (first start to last end)", unit: "tasks/s", value: throughput(fanout.run.tis).perSecond, floor: rawFanout.perSecond, target: { on: "ratio", op: ">=", limit: 0.3 } },
    { name: "fan-out tasks/s (trigger to run done)", unit: "tasks/s", value: n / fanout.run.triggerToDoneSeconds, floor: rawFanout.addToDonePerSecond, floorLabel: "raw: first add to last end" },
    { name: "fan-out scheduler CPU per 1,000 TIs", unit: "s", value: perThousand(fanout.run.schedulerCpu, n) },
    { name: "fan-out worker CPU per 1,000 TIs (2 workers + runners)", unit: "s", value: perThousand(fanout.workerCpu.worker + fanout.workerCpu.runners, n) },
    { name: "fan-out worker CPU per 1,000 TIs: the 2 worker processes", unit: "s", value: perThousand(fanout.workerCpu.worker, n) },
    { name: "fan-out worker CPU per 1,000 TIs: their runners", unit: "s", value: perThousand(fanout.workerCpu.runners, n) },
    { name: "hop p50", unit: "ms", value: hops.p50, floor: rawHop.p50, target: { on: "value", op: "<=", limit: 20 } },
    { name: "hop p95", unit: "ms", value: hops.p95, floor: rawHop.p95 },
    { name: "hop p99", unit: "ms", value: hops.p99, floor: rawHop.p99 },
    { name: "hop scheduler CPU per 1,000 TIs", unit: "s", value: perThousand(hop.run.schedulerCpu, hop.run.tis.length) },
  ];
  return {
    scenario: "fleet",
    title: `BullMQExecutor: ${FANOUT_TASKS} independent no-op fn tasks, and a chain of ${HOP_TASKS}, on ${WORKERS} switchyard workers, beside raw BullMQ`,
    notes: [
      `config: ${describeConfig({ executor: "BullMQExecutor", parallelism: PARALLELISM, executors: config.executors ?? {}, db: benchTarget().db })}`,
      `workers: ${WORKERS} \`switchyard worker -q default -c ${CONCURRENCY}\` processes, each from its own home (own dags folder, log folder, no database); Redis at ${BENCH_REDIS_URL}, shared with the machine's other users`,
      "tasks/s: task instances / (last try's end - first try's start) as the runners report them; floor: raw BullMQ jobs / (last end - first start) as its workers report them",
      "hop = downstream try's start minus upstream try's end (runner clocks, one machine); floor: a raw BullMQ job's start minus the previous job's end as its processor saw them, the next job added when the previous one's completion is heard (QueueEvents), as a scheduler would",
      "CPU: /proc/<pid>/stat of the scheduler process, and of the two workers with their runner children, from just before the trigger to the run's end",
    ],
    figures,
  };
}
