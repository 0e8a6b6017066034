import type { RunnerHandle } from "./runner-handle.js";

/**
 * The warm runners of a LocalExecutor. Tries go to the least-loaded live runner; runners are
 * started lazily up to `size` (or ahead of need by `fill()`), and a dead one leaves the pool so a
 * replacement can take its place.
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

  /** An idle runner if there is one, else a new one while below `size`, else the least loaded. */
  pick(): RunnerHandle {
    let best: RunnerHandle | undefined;
    for (const runner of this.#runners) {
      if (runner.alive && (best === undefined || runner.load < best.load)) best = runner;
    }
    if (best !== undefined && (best.load === 0 || this.#runners.size >= this.size)) return best;
    const runner = this.spawn();
    this.#runners.add(runner);
    return runner;
  }

  /** Forget a runner; false when it was not one of this pool's. */
  remove(runner: RunnerHandle): boolean {
    return this.#runners.delete(runner);
  }
}
