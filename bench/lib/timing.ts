import type { TiTimes } from "./db.js";

/** Smallest and largest of many numbers (no spread: 100k arguments would overflow the stack). */
export function minMax(values: Iterable<number>): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** For a chain (task ids in chain order): upstream end → downstream start, and start → start, in ms. */
export function chainGaps(tis: readonly TiTimes[]): { hopMs: number[]; stepMs: number[] } {
  const sorted = [...tis].sort((a, b) => (a.task_id < b.task_id ? -1 : a.task_id > b.task_id ? 1 : 0));
  const hopMs: number[] = [];
  const stepMs: number[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    hopMs.push((cur.start_date ?? Number.NaN) - (prev.end_date ?? Number.NaN));
    stepMs.push((cur.start_date ?? Number.NaN) - (prev.start_date ?? Number.NaN));
  }
  return { hopMs, stepMs };
}

/** Tasks per second from the first start to the last end of these task instances. */
export function throughput(tis: readonly TiTimes[]): { perSecond: number; seconds: number } {
  const { min } = minMax(tis.map((t) => t.start_date ?? Number.NaN));
  const { max } = minMax(tis.map((t) => t.end_date ?? Number.NaN));
  const seconds = (max - min) / 1000;
  return { perSecond: tis.length / seconds, seconds };
}

/**
 * Tasks per second while every group (a DAG's run) was running at once: from the last group's
 * first start to the first group's last end, counting the tries that ended in between. Runs
 * triggered together still start a moment apart; this leaves out the ends where fewer ran.
 */
export function overlapThroughput(groups: ReadonlyArray<readonly TiTimes[]>): { perSecond: number; seconds: number } {
  const from = Math.max(...groups.map((g) => minMax(g.map((t) => t.start_date ?? Number.NaN)).min));
  const to = Math.min(...groups.map((g) => minMax(g.map((t) => t.end_date ?? Number.NaN)).max));
  let ended = 0;
  for (const g of groups) for (const t of g) if (t.end_date !== null && t.end_date >= from && t.end_date <= to) ended++;
  const seconds = (to - from) / 1000;
  return seconds > 0 ? { perSecond: ended / seconds, seconds } : { perSecond: Number.NaN, seconds };
}
