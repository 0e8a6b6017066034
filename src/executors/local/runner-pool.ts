import type { RunnerHandle } from "./runner-handle.js";

/**
 * The warm runners of a LocalExecutor. Tries go to a runner that is up (has been ready) whenever
 * one is, the least loaded of them; runners are started lazily up to `size` (or ahead of need by
 * `fill()`), and a dead one leaves the pool so a replacement can take its place.
 */
export class RunnerPool {
  readonly #runners = new Set<RunnerHandle>();

  constructor(
    readonly size: number,
    private readonly spawn: () => RunnerHandle,
  ) {}

  get runners(): readonly RunnerHandle[] {
    return [...this.#runners];
  }

  /** Start runners until there are `upTo` of them (at most `size`). */
  fill(upTo = this.size): void {
    while (this.#runners.size < Math.min(upTo, this.size)) this.#runners.add(this.spawn());
  }

  /**
   * The runner for the next try: an idle runner that is up if there is one, else (after starting
   * one more while below `size`) the least loaded runner that is up, else the least loaded one
   * still starting. A try given to a runner that is still starting waits for its Node start-up
   * (a second or more on a busy machine) while a runner that is up would start it now, and the
   * scheduler counts that try as active all the while: against maxActiveTasks, pools, parallelism.
   */
  pick(): RunnerHandle {
    let best = this.#best();
    if ((best === undefined || best.load > 0) && this.#runners.size < this.size) {
      this.#runners.add(this.spawn());
      best = this.#best();
    }
    if (best !== undefined) return best;
    // Every runner is dead and not yet removed (its exit is being handled): one more, over `size` for a moment.
    const runner = this.spawn();
    this.#runners.add(runner);
    return runner;
  }

  /** Forget a runner; false when it was not one of this pool's. */
  remove(runner: RunnerHandle): boolean {
    return this.#runners.delete(runner);
  }

  /** The live runner to prefer: up over still starting, then the least loaded, then the oldest. */
  #best(): RunnerHandle | undefined {
    let best: RunnerHandle | undefined;
    for (const runner of this.#runners) {
      if (!runner.alive) continue;
      if (best === undefined || (runner.everReady && !best.everReady) || (runner.everReady === best.everReady && runner.load < best.load)) best = runner;
    }
    return best;
  }
}
