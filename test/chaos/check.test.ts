/**
 * The fault suite's pod checks (chaos/check.ts) on made-up cycles: each passes a pod try handled
 * as it must be, and fails the mishandled one (an eviction counted against retries, a pod at work
 * re-run instead of adopted, a pod's end heard too late). `npm run chaos` runs them on real cycles;
 * here they are shown to be able to fail.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkCycle, POD_HEARD_WITHIN_MS, ViolationKind, type AuditRow, type CheckInput, type TiState } from "../../chaos/check.js";
import { TaskMode, type TaskSpec } from "../../chaos/dag.js";
import type { PodDisruption } from "../../chaos/faults.js";
import type { TaskMarks } from "../../chaos/marks.js";

const T0 = Date.parse("2026-12-02T01:00:00.000Z");
const TASK = "kube_0";
const SPEC: TaskSpec = { id: TASK, mode: TaskMode.OK, retries: 1, retryDelay: 0, sleepMs: 500, upstream: [], kube: true };
const EVICTED = "pod chaos-kube-0-1-0123456789: Evicted: The node was low on resource: memory. (eviction 1 of at most 2)";

function row(at: number, tryNumber: number, event: string, fromState: string | null, toState: string | null, reason: string | null = null): AuditRow {
  return { time: new Date(T0 + at).toISOString(), taskId: TASK, tryNumber, event, fromState, toState, reason, source: "scheduler:1" };
}

const lost = (at: number, n: number, why: string) => row(at, n, "reset", "running", "none", `try ${n} lost: ${why}; it will be scheduled again (the lost try does not count against retries)`);
const ran = (at: number, n: number) => row(at, n, "state_change", "queued", "running");
const succeeded = (at: number, n: number) => row(at, n, "state_change", "running", "success");

/** Markers: try → [start, end] (ms after T0; end null: never finished). */
function marks(tries: Record<number, [number, number | null]>): Map<string, TaskMarks> {
  const m: TaskMarks = { starts: new Map(), ends: new Map(), overlaps: [] };
  for (const [n, [start, end]] of Object.entries(tries)) {
    m.starts.set(Number(n), [T0 + start]);
    if (end !== null) m.ends.set(Number(n), [{ result: "ok", at: T0 + end }]);
  }
  return new Map([[TASK, m]]);
}

/** A scheduler up the whole time, unless a test says otherwise. */
const ALWAYS_UP = [{ from: T0 - 60_000, to: T0 + 3_600_000 }];

function check(o: { state: TiState; audit: AuditRow[]; marks: Map<string, TaskMarks>; disruptions?: PodDisruption[]; deaths?: Map<number, number>; up?: Array<{ from: number; to: number }> }) {
  const input: CheckInput = {
    specs: new Map([[TASK, SPEC]]),
    states: [o.state],
    audit: o.audit,
    marks: o.marks,
    kills: [],
    runState: "success",
    schedulerKills: new Map(),
    schedulerDeaths: o.deaths ?? new Map(),
    fleet: { workerKills: new Map(), redisFlushes: [] },
    disruptions: o.disruptions ?? [],
    schedulersUp: o.up ?? ALWAYS_UP,
  };
  return checkCycle(input);
}

const kinds = (r: ReturnType<typeof checkCycle>) => r.violations.map((v) => v.kind);

describe("chaos checks for pod faults", () => {
  const eviction: PodDisruption = { taskId: TASK, tryNumber: 1, pod: "chaos-kube-0-1-0123456789", at: T0 + 1_500 };

  it("an evicted pod's try reset (not counted) passes; counted as a failure, it is an eviction_counted violation", () => {
    const ok = check({
      state: { taskId: TASK, state: "success", tryNumber: 2, maxTries: 2 },
      audit: [ran(1_000, 1), lost(1_600, 1, EVICTED), ran(3_000, 2), succeeded(4_000, 2)],
      marks: marks({ 1: [1_200, null], 2: [3_200, 3_800] }),
      disruptions: [eviction],
    });
    assert.deepEqual(kinds(ok), []);
    assert.equal(ok.stats.podDisruptionResets, 1);

    const counted = check({
      state: { taskId: TASK, state: "success", tryNumber: 2, maxTries: 1 },
      audit: [ran(1_000, 1), row(1_600, 1, "state_change", "running", "up_for_retry", `${EVICTED.replace(/ \(eviction.*/, "")}; evicted 1 times, more than max_eviction_retries = 0`), ran(3_000, 2), succeeded(4_000, 2)],
      marks: marks({ 1: [1_200, null], 2: [3_200, 3_800] }),
      disruptions: [eviction],
    });
    assert.ok(kinds(counted).includes(ViolationKind.EVICTION_COUNTED), JSON.stringify(counted.violations));
  });

  it("a pod at work when its scheduler died: adopted passes; reset and run again is a pod_not_adopted violation", () => {
    const adopted = check({
      state: { taskId: TASK, state: "success", tryNumber: 1, maxTries: 1 },
      audit: [ran(1_000, 1), row(2_000, 1, "adopted", "running", "running", "adopted by scheduler job 2 from scheduler job 1 that queued it is dead"), succeeded(3_000, 1)],
      marks: marks({ 1: [1_200, 2_500] }),
      deaths: new Map([[1, T0 + 1_500]]),
    });
    assert.deepEqual(kinds(adopted), []);

    const rerun = check({
      state: { taskId: TASK, state: "success", tryNumber: 2, maxTries: 2 },
      audit: [ran(1_000, 1), lost(2_000, 1, "scheduler job 1 that queued it is dead"), ran(3_000, 2), succeeded(4_500, 2)],
      marks: marks({ 1: [1_200, 2_500], 2: [3_200, 4_000] }),
      deaths: new Map([[1, T0 + 1_500]]),
    });
    assert.ok(kinds(rerun).includes(ViolationKind.POD_NOT_ADOPTED), JSON.stringify(rerun.violations));
  });

  it(`a pod's end recorded within ${POD_HEARD_WITHIN_MS / 1000} s passes; later, it is a pod_end_unheard violation`, () => {
    const heard = check({
      state: { taskId: TASK, state: "success", tryNumber: 1, maxTries: 1 },
      audit: [ran(1_000, 1), succeeded(2_500, 1)],
      marks: marks({ 1: [1_200, 2_000] }),
    });
    assert.deepEqual(kinds(heard), []);
    assert.equal(heard.stats.slowestPodEndHeardMs, 500);

    const late = check({
      state: { taskId: TASK, state: "success", tryNumber: 1, maxTries: 1 },
      audit: [ran(1_000, 1), succeeded(2_000 + POD_HEARD_WITHIN_MS + 1_000, 1)],
      marks: marks({ 1: [1_200, 2_000] }),
    });
    assert.deepEqual(kinds(late), [ViolationKind.POD_END_UNHEARD]);

    // The same wait, but no scheduler was up for most of it (killed, the next one slow to start): not the watch's fault.
    const down = check({
      state: { taskId: TASK, state: "success", tryNumber: 1, maxTries: 1 },
      audit: [ran(1_000, 1), succeeded(2_000 + POD_HEARD_WITHIN_MS + 1_000, 1)],
      marks: marks({ 1: [1_200, 2_000] }),
      up: [
        { from: T0 - 60_000, to: T0 + 2_500 },
        { from: T0 + 20_000, to: T0 + 3_600_000 },
      ],
    });
    assert.deepEqual(kinds(down), []);
    assert.equal(down.stats.slowestPodEndHeardMs, POD_HEARD_WITHIN_MS + 1_000 - 17_500);
  });
});
