/**
 * EchoExecutor — a small, complete custom executor.
 *
 * It runs tries inside the scheduler's process through `runTaskTry` (the same runner every
 * built-in executor ends in), at most `parallelism` at a time, and echoes every lifecycle call
 * to stderr so you can watch what the scheduler asks of an executor.
 *
 * Configure it (paths are relative to $SWITCHYARD_HOME):
 *
 *   [core]
 *   executor = "LocalExecutor,echo:./executors/echo-executor.ts#EchoExecutor"
 *
 *   [executors.echo]
 *   parallelism = 2
 *   prefix = "echo"
 *
 * and route a task to it with `{ executor: "echo" }`.
 */
import {
  BaseExecutor,
  keyString,
  runTaskTry,
  type ExecutorContext,
  type TaskInstanceRef,
  type Workload,
} from "@switchyard/core";

/** `[executors.<alias>]` settings of this executor. */
export interface EchoExecutorOptions {
  /** Most tries at once. @defaultValue `[core] parallelism` */
  parallelism?: number;
  /** Printed before every echoed line. @defaultValue the executor's alias */
  prefix?: string;
}

/** Validate the section once, in the constructor; a bad value is a start-up error, not a runtime surprise. */
function compileEchoExecutorOptions(context: ExecutorContext): Required<EchoExecutorOptions> {
  const section = `[executors.${context.name.name}]`;
  const { parallelism = context.defaultParallelism, prefix = context.name.name, ...unknown } =
    context.options as EchoExecutorOptions & Record<string, unknown>;
  const extra = Object.keys(unknown);
  if (extra.length > 0) throw new Error(`${section} ${extra.join(", ")}: unknown key; valid keys: parallelism, prefix`);
  if (!Number.isInteger(parallelism) || parallelism < 1) {
    throw new Error(`${section} parallelism: must be an integer >= 1 (got ${JSON.stringify(parallelism)})`);
  }
  if (typeof prefix !== "string") throw new Error(`${section} prefix: must be a string (got ${JSON.stringify(prefix)})`);
  return { parallelism, prefix };
}

export class EchoExecutor extends BaseExecutor {
  readonly prefix: string;
  /** One abort controller per try in flight, so revoke and terminate can kill it. */
  readonly #inFlight = new Map<string, { controller: AbortController; done: Promise<unknown> }>();

  constructor(context: ExecutorContext) {
    const options = compileEchoExecutorOptions(context);
    super(context, options.parallelism);
    this.prefix = options.prefix;
  }

  #echo(message: string): void {
    process.stderr.write(`[${this.prefix}] ${message}\n`);
  }

  override start(): void {
    this.#echo(`start (parallelism ${this.parallelism})`);
  }

  /** Required hook: start one try. The base class has already moved it from queued to running. */
  protected executeAsync(workload: Workload): void {
    const id = keyString(workload.key);
    this.#echo(`executeAsync ${id}`);
    const controller = new AbortController();
    const isCurrent = () => this.#inFlight.get(id)?.controller === controller;
    const done = runTaskTry(
      workload,
      {
        // Report through the base class: it buffers the event and wakes the scheduler.
        running: (info) => {
          if (isCurrent()) this.runningState(workload.key, { ...info, externalExecutorId: `${this.prefix}-${info.pid}` });
        },
        finished: (state, info) => {
          if (!isCurrent()) return; // revoked: revokeTask must not lead to events
          this.#inFlight.delete(id);
          this.#echo(`${state} ${id}${info.error ? `: ${info.error}` : ""}`);
          this.changeState(workload.key, state, info);
        },
      },
      { folders: this.folders, signal: controller.signal },
    );
    this.#inFlight.set(id, { controller, done });
  }

  /** Required hook: this executor pushes events as they happen, so there is nothing to poll. */
  sync(): void {}

  /** Nothing survives a scheduler restart in-process: adopt nothing, the scheduler resets them. */
  override async tryAdoptTaskInstances(tis: TaskInstanceRef[]): Promise<TaskInstanceRef[]> {
    this.#echo(`tryAdoptTaskInstances: ${tis.length} offered, none adopted`);
    return tis;
  }

  override async revokeTask(ti: TaskInstanceRef): Promise<void> {
    this.#echo(`revokeTask ${keyString(ti.key)}`);
    await super.revokeTask(ti);
    const id = keyString(ti.key);
    const entry = this.#inFlight.get(id);
    this.#inFlight.delete(id);
    entry?.controller.abort();
  }

  override async end(): Promise<void> {
    this.#echo("end: waiting for the tries in flight");
    await super.end();
  }

  override async terminate(): Promise<void> {
    this.#echo(`terminate: killing ${this.#inFlight.size} tries`);
    await super.terminate();
    const entries = [...this.#inFlight.values()];
    for (const entry of entries) entry.controller.abort();
    await Promise.all(entries.map((entry) => entry.done));
  }
}
