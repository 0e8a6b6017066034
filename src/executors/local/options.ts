import { availableParallelism } from "node:os";
import { z } from "../../common/zod.js";
import { compileExecutorSection, intSetting } from "../options.js";

export const Isolation = {
  /** Tries run in long-lived runner processes: no process start per `fn` try. */
  WARM: "warm",
  /** Every try gets a fresh runner process that exits after it. */
  PROCESS: "process",
} as const;
export type Isolation = (typeof Isolation)[keyof typeof Isolation];
export const ISOLATIONS: readonly Isolation[] = Object.values(Isolation);

/** `[executors.<name>]` settings of a LocalExecutor. */
export interface LocalExecutorOptions {
  /** Most tries running at once. @defaultValue `[core] parallelism` */
  parallelism?: number;
  /**
   * Where tries run; a task can override it with `executorConfig: { isolation }`.
   * @defaultValue "warm"
   */
  isolation?: Isolation;
  /** Warm runner processes to spread tries over; more than parallelism is capped to it (with a warning). @defaultValue min(parallelism, os.availableParallelism()) */
  runners?: number;
  /**
   * Seconds a runner holding tries may stay silent (its event loop blocked, by an fn's synchronous
   * endless loop) before it is killed; the try that blocked it fails, the others are re-queued.
   * @defaultValue 5
   */
  runner_heartbeat_timeout?: number;
}

export interface CompiledLocalExecutorOptions {
  readonly parallelism: number;
  readonly isolation: Isolation;
  readonly runners: number;
  /** `runner_heartbeat_timeout`, in milliseconds. */
  readonly runnerHeartbeatTimeoutMs: number;
}

/** Long enough for a loaded machine's slowest legitimate pause (a DAG file's first import), short enough to free the other tries within seconds. */
const DEFAULT_RUNNER_HEARTBEAT_TIMEOUT = 5;

const schema = z.object({
  parallelism: intSetting(1, "an integer >= 1 (the most tries running at once)").optional(),
  isolation: z.enum(ISOLATIONS, { error: `must be one of ${ISOLATIONS.map((i) => `"${i}"`).join(", ")}` }).optional(),
  runners: intSetting(1, "an integer >= 1 (warm runner processes)").optional(),
  runner_heartbeat_timeout: intSetting(1, "an integer >= 1 (seconds a runner may stay silent before it is declared blocked)").optional(),
});

/**
 * Validate `[executors.<name>]` and fill defaults; throws ExecutorOptionsError naming the key. `warn` hears
 * about settings that are valid but adjusted (runners above parallelism).
 */
export function compileLocalExecutorOptions(
  raw: Readonly<Record<string, unknown>>,
  context: { readonly executor: string; readonly defaultParallelism: number; readonly warn: (message: string) => void },
): CompiledLocalExecutorOptions {
  const options: LocalExecutorOptions = compileExecutorSection(context.executor, schema, raw);
  const parallelism = options.parallelism ?? context.defaultParallelism;
  let runners = options.runners ?? Math.max(1, Math.min(parallelism, availableParallelism()));
  if (runners > parallelism) {
    // A runner beyond parallelism would never get a try: it only costs a process and its memory.
    context.warn(`[executors.${context.executor}] runners = ${runners} is more than its parallelism (${parallelism}): starting ${parallelism} runners`);
    runners = parallelism;
  }
  return Object.freeze({
    parallelism,
    isolation: options.isolation ?? Isolation.WARM,
    runners,
    runnerHeartbeatTimeoutMs: (options.runner_heartbeat_timeout ?? DEFAULT_RUNNER_HEARTBEAT_TIMEOUT) * 1000,
  });
}
