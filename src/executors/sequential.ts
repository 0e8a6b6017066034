import { keyString } from "../common/keys.js";
import type { Workload } from "../common/workload.js";
import { TryStoppedError } from "../runner/errors.js";
import { runTaskTry } from "../runner/run-task-try.js";
import { BaseExecutor } from "./base.js";
import { compileSequentialExecutorOptions } from "./sequential-options.js";
import type { ExecutorContext, TaskInstanceRef } from "./types.js";

/**
 * Runs one try at a time inside the scheduler's own process, through the same runner every
 * executor ends in. For development and debugging: an `fn` task shares the scheduler's memory,
 * and a crash in it is a crash of the scheduler. Never blocks the event loop itself: bash tries
 * are child processes and the try is awaited, not run synchronously.
 */
export class SequentialExecutor extends BaseExecutor {
  override readonly isLocal = true;
  override readonly isSingleThreaded = true;
  override readonly isProduction = false;
  override readonly supportsPickling = false;
  override readonly servesLogs = true;

  /** Tries in flight: one, plus any revoked try still being killed. */
  readonly #tries = new Map<string, { readonly controller: AbortController; readonly done: Promise<unknown> }>();

  constructor(context: ExecutorContext) {
    const options = compileSequentialExecutorOptions(context.options, { executor: context.name.name });
    super(context, options.parallelism);
  }

  protected executeAsync(workload: Workload): void {
    const id = keyString(workload.key);
    const controller = new AbortController();
    // A revoked try is forgotten at once; whatever it reports afterwards is dropped.
    const current = () => this.#tries.get(id)?.controller === controller;
    const done = runTaskTry(
      workload,
      {
        running: (info) => {
          if (current()) this.runningState(workload.key, info);
        },
        finished: (state, info) => {
          if (!current()) return;
          this.#tries.delete(id);
          this.changeState(workload.key, state, info);
        },
      },
      { folders: this.folders, signal: controller.signal },
    );
    this.#tries.set(id, { controller, done });
  }

  sync(): void {
    // Events are buffered as the runner reports them.
  }

  override async revokeTask(ti: TaskInstanceRef, reason?: string): Promise<void> {
    await super.revokeTask(ti, reason);
    const id = keyString(ti.key);
    const entry = this.#tries.get(id);
    this.#tries.delete(id);
    entry?.controller.abort(reason === undefined ? undefined : new TryStoppedError(reason, false));
  }

  /** Kill the try in flight; it reports `failed` ("killed") as it ends. */
  override async terminate(): Promise<void> {
    await super.terminate();
    const pending = [...this.#tries.values()];
    for (const entry of pending) entry.controller.abort();
    await Promise.all(pending.map((entry) => entry.done));
  }

  override debugDump(): Record<string, unknown> {
    return { ...super.debugDump(), inFlight: [...this.#tries.keys()] };
  }
}
