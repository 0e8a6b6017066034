/** A try held by a runner whose event loop stopped turning, as the executor saw it. */
export interface HeldTry<K> {
  readonly key: K;
  /** It reported `running`. */
  readonly running: boolean;
  /** It runs an fn in the runner itself (bash runs in a process group of its own and cannot block the runner). */
  readonly fn: boolean;
  /** A heartbeat said its function returned from its synchronous call. */
  readonly started: boolean;
}

export interface BlockedRunnerVerdict<K> {
  /** The tries that may have blocked the loop: they fail, their retries apply. */
  readonly suspects: readonly K[];
  /** The others: they ran no code that could block the loop, so they are re-queued, not counted. */
  readonly innocents: readonly K[];
}

/**
 * Which tries of a blocked runner may have blocked it. Only task code in the runner's own thread
 * can, so only fn tries are ever suspects, in this order of evidence:
 * 1. fn tries whose function was called and has not been seen to return (no heartbeat named it):
 *    the loop stopped inside that first synchronous slice — the `while (true) {}` case;
 * 2. otherwise every running fn try: the loop stopped in a later slice (after an `await`), and the
 *    executor cannot see whose — with one fn try running that is exact;
 * 3. otherwise the tries that have not reported `running` yet: one of them blocked the loop while
 *    its DAG file was imported.
 * Suspects are never re-queued uncounted, so a try that blocks every runner it gets ends once its
 * own retries are spent; with several suspects the innocent ones among them pay a try too.
 */
export function judgeBlockedRunner<K>(tries: readonly HeldTry<K>[]): BlockedRunnerVerdict<K> {
  const fnTries = tries.filter((t) => t.running && t.fn);
  let suspects = fnTries.filter((t) => !t.started);
  if (suspects.length === 0) suspects = fnTries;
  if (suspects.length === 0) suspects = tries.filter((t) => !t.running);
  return { suspects: suspects.map((t) => t.key), innocents: tries.filter((t) => !suspects.includes(t)).map((t) => t.key) };
}
