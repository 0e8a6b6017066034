/**
 * A process of its own for a worker-thread pool (see thread-pool.ts), in the place a runner would
 * have: its CPU (every thread's) and peak RSS are then the pool's alone, not the benchmark's.
 * Argument: a ThreadHostRequest as JSON. Prints one line of JSON, a ThreadHostResult.
 */
import { mean, percentile } from "./stats.js";
import { runInThreads, type ThreadMode } from "./thread-pool.js";
import { fanoutWorkload } from "./workloads.js";

export interface ThreadHostRequest {
  readonly mode: ThreadMode;
  readonly concurrency: number;
  /** A fan-out DAG file (fanoutDag) with at least `tries` tasks. */
  readonly dagFile: string;
  readonly dagId: string;
  /** Where the tries' logs go. */
  readonly dir: string;
  readonly tries: number;
}

export interface ThreadHostResult {
  readonly perSecond: number;
  readonly seconds: number;
  /** Per try: handed to a thread (a fresh one started) → its `finished` report. */
  readonly msMean: number;
  readonly msP50: number;
  readonly msP95: number;
  /** CPU seconds of this process, every thread, while the clock ran. */
  readonly cpuSeconds: number;
  /** Peak resident set of this process over its life (warm-up included), MB. */
  readonly peakRssMb: number;
  /** Warm: how long the threads took to go quiet after the warm-up, before the clock started (ms). */
  readonly settledMs: number;
  readonly failed: number;
  readonly firstError?: string;
}

async function main(raw: string | undefined): Promise<void> {
  if (raw === undefined) throw new Error("usage: thread-host.ts '<ThreadHostRequest as JSON>'");
  const req = JSON.parse(raw) as ThreadHostRequest;
  const workloads = Array.from({ length: req.tries }, (_, i) => fanoutWorkload(req.dagFile, req.dagId, req.dir, i, "bench"));
  const warmup = Array.from({ length: req.concurrency }, (_, i) => fanoutWorkload(req.dagFile, req.dagId, req.dir, i % req.tries, "warmup"));
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  const { results, settledMs } = await runInThreads({
    mode: req.mode,
    concurrency: req.concurrency,
    workloads,
    warmup,
    onClockStart: () => {
      t0 = performance.now();
      cpu0 = process.cpuUsage();
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const ms = results.map((r) => r.ms);
  const failed = results.filter((r) => r.state !== "success");
  const firstError = failed[0] === undefined ? undefined : `${failed[0].state}: ${failed[0].error ?? "no error given"}`;
  const result: ThreadHostResult = {
    perSecond: results.length / seconds,
    seconds,
    msMean: mean(ms),
    msP50: percentile(ms, 0.5),
    msP95: percentile(ms, 0.95),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    settledMs,
    failed: failed.length,
    ...(firstError !== undefined ? { firstError } : {}),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(`thread-host: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
