/**
 * Tries as start/end spans (epoch ms), whoever ran them: the floors, the peer job queues' workers,
 * or Switchyard's runners (task instances). The peers benchmark computes every row's figures from
 * these, the same way for all.
 */
import type { Span } from "./bash-true.mjs";
import type { TiTimes } from "./db.js";
import { minMax } from "./timing.js";

export type { Span } from "./bash-true.mjs";

/** What a peer worker process reports: [the job's index in its workload, start, end] per job. */
export type TryReport = ReadonlyArray<readonly [number, number, number]>;

/** Every worker's tries in workload order (by index); fails unless each of 0..n-1 ran exactly once. */
export function spansFromReports(reports: readonly TryReport[], n: number, what: string): Span[] {
  const byIndex: Array<Span | undefined> = new Array(n);
  for (const report of reports) {
    for (const [i, start, end] of report) {
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new Error(`${what}: a job with index ${i}, outside 0..${n - 1}`);
      if (byIndex[i] !== undefined) throw new Error(`${what}: job ${i} ran twice`);
      byIndex[i] = { start, end };
    }
  }
  const missing = byIndex.findIndex((s) => s === undefined);
  if (missing >= 0 || byIndex.length !== n) throw new Error(`${what}: job ${missing} of ${n} never ran`);
  return byIndex as Span[];
}

/** A run's task instances as spans, in task id order (a chain's order, see chainDag). */
export function spansOfTis(tis: readonly TiTimes[]): Span[] {
  return [...tis]
    .sort((a, b) => (a.task_id < b.task_id ? -1 : a.task_id > b.task_id ? 1 : 0))
    .map((t) => ({ start: t.start_date ?? Number.NaN, end: t.end_date ?? Number.NaN }));
}

/** Each try's start to end, ms. */
export function durations(spans: readonly Span[]): number[] {
  return spans.map((s) => s.end - s.start);
}

/** A sequence of tries (in order): the end of each to the start of the next, ms. */
export function gaps(spans: readonly Span[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < spans.length; i++) out.push(spans[i]!.start - spans[i - 1]!.end);
  return out;
}

/** First start to last end, seconds. */
export function wallSeconds(spans: readonly Span[]): number {
  const { min } = minMax(spans.map((s) => s.start));
  const { max } = minMax(spans.map((s) => s.end));
  return (max - min) / 1000;
}
