/**
 * Floors: the same processes and messages with no orchestrator in between, measured in the same
 * run on the same machine. Each figure of a scenario is printed beside one of these.
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { bashTrue, type Span } from "./bash-true.mjs";

const ECHO_CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), "echo-child.mjs");

export interface SequentialTimes {
  /** Previous process exited → next one spawned. */
  readonly hopMs: number[];
  /** Spawn to spawn of consecutive processes. */
  readonly stepMs: number[];
  /** Spawn to exit of each process. */
  readonly lifeMs: number[];
  /** Each process's spawn and exit (epoch ms), in order. */
  readonly spans: Span[];
}

/** `bash -c true` `n` times back to back from this process. */
export async function sequentialBash(n: number): Promise<SequentialTimes> {
  const runs: Span[] = [];
  for (let i = 0; i < n; i++) runs.push(await bashTrue());
  return sequentialTimes(runs);
}

function sequentialTimes(runs: ReadonlyArray<{ start: number; end: number }>): SequentialTimes {
  const hopMs: number[] = [];
  const stepMs: number[] = [];
  for (let i = 1; i < runs.length; i++) {
    hopMs.push(runs[i]!.start - runs[i - 1]!.end);
    stepMs.push(runs[i]!.start - runs[i - 1]!.start);
  }
  return { hopMs, stepMs, lifeMs: runs.map((r) => r.end - r.start), spans: runs.map((r) => ({ start: r.start, end: r.end })) };
}

export interface PoolResult {
  readonly perSecond: number;
  readonly seconds: number;
}

/** Run `n` jobs with at most `concurrency` in flight; how many per second, and what each job returned. */
async function pool<T>(n: number, concurrency: number, job: () => Promise<T>): Promise<PoolResult & { results: T[] }> {
  const t0 = performance.now();
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      results.push(await job());
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return { perSecond: n / seconds, seconds, results };
}

/** A plain pool of `concurrency` spawning `bash -c true` `n` times; `spans`: each process's spawn and exit. */
export async function bashPool(n: number, concurrency: number): Promise<PoolResult & { spans: Span[] }> {
  const { perSecond, seconds, results } = await pool(n, concurrency, bashTrue);
  return { perSecond, seconds, spans: results };
}

function forkEcho(): ChildProcess {
  return fork(ECHO_CHILD, [], { execArgv: [], serialization: "json", stdio: ["ignore", "inherit", "inherit", "ipc"] });
}

/** A warm child answering messages; `ask` resolves with the reply. */
class EchoChild {
  readonly child = forkEcho();
  readonly #waiting = new Map<number, () => void>();
  readonly ready: Promise<void>;
  #next = 0;

  constructor() {
    this.ready = new Promise((resolve) => {
      this.child.on("message", (m: { ready?: boolean; id?: number }) => {
        if (m.ready) resolve();
        else if (m.id !== undefined) {
          this.#waiting.get(m.id)?.();
          this.#waiting.delete(m.id);
        }
      });
    });
  }

  ask(): Promise<void> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      this.child.send({ id });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once("exit", () => resolve());
      this.child.send({ id: -1, last: true });
    });
  }
}

/** Round trips (ms) of `n` no-op messages to one warm child, one at a time. */
export async function warmRoundTrips(n: number): Promise<number[]> {
  const child = new EchoChild();
  await child.ready;
  for (let i = 0; i < 50; i++) await child.ask(); // warm up the channel
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await child.ask();
    out.push(performance.now() - t0);
  }
  await child.close();
  return out;
}

/** `n` no-op messages through `children` warm children, `concurrency` in flight, dealt round robin. */
export async function warmPool(n: number, children: number, concurrency: number): Promise<PoolResult> {
  const kids = Array.from({ length: children }, () => new EchoChild());
  await Promise.all(kids.map((k) => k.ready));
  let turn = 0;
  const result = await pool(n, concurrency, () => kids[turn++ % kids.length]!.ask());
  await Promise.all(kids.map((k) => k.close()));
  return result;
}

/** A fresh Node child per message: fork, wait until it listens, one round trip, wait for its exit. */
function freshChildTry(): Promise<{ start: number; ready: number; end: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let ready = Number.NaN;
    const child = forkEcho();
    child.once("error", reject);
    child.on("message", (m: { ready?: boolean }) => {
      if (!m.ready) return;
      ready = performance.now();
      child.send({ id: 0, last: true });
    });
    child.once("exit", () => resolve({ start, ready, end: performance.now() }));
  });
}

/** `n` fresh Node children back to back (the floor of a process-isolated try), plus each one's fork → listening time. */
export async function sequentialForks(n: number): Promise<SequentialTimes & { readyMs: number[] }> {
  const runs: Array<{ start: number; ready: number; end: number }> = [];
  for (let i = 0; i < n; i++) runs.push(await freshChildTry());
  return { ...sequentialTimes(runs), readyMs: runs.map((r) => r.ready - r.start) };
}

/** `n` fresh Node children, `concurrency` at a time. */
export function forkPool(n: number, concurrency: number): Promise<PoolResult> {
  return pool(n, concurrency, freshChildTry);
}

/** A fresh, empty worker thread: started, one message back, gone. No tsx, no DAG file. */
function freshThread(): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(`require("node:worker_threads").parentPort.postMessage("ready");`, { eval: true, execArgv: [] });
    worker.once("error", reject);
    worker.once("message", () => void worker.terminate());
    worker.once("exit", () => resolve());
  });
}

/** `n` fresh empty worker threads in one process, `concurrency` at a time (the floor of a thread per try). */
export function threadPool(n: number, concurrency: number): Promise<PoolResult> {
  return pool(n, concurrency, freshThread);
}
