import type { FnSlicePhase } from "../../runner/types.js";

/** A try held by a runner whose event loop stopped turning, as the executor saw it. */
export interface HeldTry<K> {
  readonly key: K;
  /** It reported `running`. */
  readonly running: boolean;
  /** For an fn try: its function was being called, or had returned from that call (undefined: not called yet, or not an fn). */
  readonly fnSlice: FnSlicePhase | undefined;
}

export interface BlockedRunnerVerdict<K> {
  /** The tries that may have blocked the loop: they fail, their retries apply. */
  readonly suspects: readonly K[];
  /** The others: they ran no code that could block the loop, so they are re-queued, not counted. */
  readonly innocents: readonly K[];
}

/**
 * Which tries of a blocked runner may have blocked it. Only task code in the runner's own thread
 * can: the function of an fn try (bash runs in a process group of its own), or a DAG file being
 * imported. The runner says, as it happens, when it calls an fn try's function and when that
 * call returns; so, in this order of evidence:
 * 1. an fn try whose function was called and never returned: the loop stopped inside that first
 *    synchronous slice (the `while (true) {}` case) — exact;
 * 2. otherwise every fn try whose function returned: the loop stopped in a later slice (after an
 *    `await`), and the executor cannot see whose — exact when there is one;
 * 3. otherwise the tries that have not reported `running`: one of them blocked the loop while its
 *    DAG file was imported.
 * Tries that reported `running` but whose function was never called, and bash tries, did nothing
 * that could block the loop. Suspects are never re-queued uncounted, so a try that blocks every
 * runner it gets ends once its own retries are spent; with several suspects the innocent ones
 * among them pay a try too.
 */
export function judgeBlockedRunner<K>(tries: readonly HeldTry<K>[]): BlockedRunnerVerdict<K> {
  let suspects = tries.filter((t) => t.fnSlice === "calling");
  if (suspects.length === 0) suspects = tries.filter((t) => t.fnSlice === "returned");
  if (suspects.length === 0) suspects = tries.filter((t) => !t.running);
  return { suspects: suspects.map((t) => t.key), innocents: tries.filter((t) => !suspects.includes(t)).map((t) => t.key) };
}
