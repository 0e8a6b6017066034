/** A sweep the scheduler runs every `intervalMs`, whatever else its passes do. */
export interface PeriodicCheck {
  readonly name: string;
  readonly intervalMs: number;
  /** When it last ran (0: never, so the first pass runs it). */
  lastRun: number;
  /** Runs it in a pass with this source; returns how many things it changed. */
  readonly run: (source: string) => Promise<number>;
}

/** Runs each check that is due at `now`, in order. Returns the changes they made. */
export async function runDueChecks(checks: readonly PeriodicCheck[], now: number, source: string): Promise<number> {
  let work = 0;
  for (const check of checks) {
    if (now - check.lastRun < check.intervalMs) continue;
    check.lastRun = now;
    work += await check.run(source);
  }
  return work;
}

/** When the next check falls due. */
export function nextCheckDue(checks: readonly PeriodicCheck[]): number {
  return Math.min(...checks.map((c) => c.lastRun + c.intervalMs));
}
