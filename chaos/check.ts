import { ALWAYS_FAILING, TaskMode, type TaskSpec } from "./dag.js";
import type { PodDisruption, TaskKill } from "./faults.js";
import type { TaskMarks } from "./marks.js";

/** One row of `tasks states-for-dag-run -o json` (the fields the checks read). */
export interface TiState {
  readonly taskId: string;
  readonly state: string;
  readonly tryNumber: number;
  readonly maxTries: number;
}

/** One row of `dags audit-log -o json`. */
export interface AuditRow {
  readonly time: string;
  readonly taskId: string | null;
  readonly tryNumber: number | null;
  readonly event: string;
  readonly fromState: string | null;
  readonly toState: string | null;
  readonly reason: string | null;
  readonly source: string;
}

export const ViolationKind = {
  /** Work that never ran to completion although the TI ended success, or a run that never finished. */
  LOST: "lost",
  /** A TI's successful work done by more than one try, or one try started twice. */
  DUPLICATED: "duplicated",
  /**
   * A try finished its work, but its scheduler died before recording it: the try was reset as
   * lost and its work done again. At-least-once delivery, as in Airflow; a duplicate only with
   * --fail-on-rerun.
   */
  RERUN: "rerun_after_scheduler_death",
  /** Two tries of one TI running at the same time (the task's lock was held). */
  OVERLAPPING: "overlapping",
  /** A TI not terminal at the deadline. */
  STUCK: "stuck",
  /** Retry accounting off: try numbers, max_tries, counted failures, or a final state the tries do not explain. */
  MISCOUNTED: "miscounted",
  /**
   * A try reset as lost ("scheduler job N that queued it is dead") while job N's process was
   * still alive: two schedulers then act on the same task instance.
   */
  FALSE_RESET: "reset_while_scheduler_alive",
  /** A try failed for a reason no injected fault explains (another task's fault included). */
  UNEXPLAINED_FAILURE: "unexplained_failure",
  /** A try reset as lost because a task blocked its runner, naming a task that is not one of the blockers. */
  WRONG_CULPRIT: "wrong_culprit",
  /** A scheduler exited on its own, or did not stop on SIGTERM. */
  CRASH: "crash",
  /**
   * Parsing held up scheduling: a scheduler lost its lease while slow DAG files were parsed with no
   * database fault to explain it, or the endless DAG file did not become an import error.
   */
  PARSE_STALL: "parse_stall",
  /** A try whose pod the suite evicted or preempted was counted against the task's retries (failed), not reset. */
  EVICTION_COUNTED: "eviction_counted",
  /**
   * A try whose pod was doing its work when its scheduler died was reset and run again instead of
   * adopted: pods outlive their scheduler, and the next one must adopt them.
   */
  POD_NOT_ADOPTED: "pod_not_adopted",
  /**
   * A pod's try ended its work, but the scheduler recorded its end (or any end) more than
   * POD_HEARD_WITHIN_MS later: the executor's watch missed it (a watch that died silently is
   * caught only by the minute's full list).
   */
  POD_END_UNHEARD: "pod_end_unheard",
} as const;
export type ViolationKind = (typeof ViolationKind)[keyof typeof ViolationKind];
export const VIOLATION_KINDS: readonly ViolationKind[] = Object.values(ViolationKind);

export interface Violation {
  readonly kind: ViolationKind;
  readonly taskId?: string;
  readonly detail: string;
}

export interface CheckStats {
  readonly tis: number;
  /** Tries whose bash started (markers). */
  readonly triesRun: number;
  /** Tries reset as lost (dead scheduler) or requeued after task_queued_timeout. */
  readonly resets: number;
  readonly zombieFailures: number;
  readonly rejectedReports: number;
  /** Tries the suite killed after their work had already finished: retried, as a kill must be. */
  readonly killedAfterDone: number;
  /** Tries reset because a culprit blocked the runner they shared (not counted against retries). */
  readonly blockedRunnerResets: number;
  /**
   * Of those, bash tries that had finished their work while the runner was blocked (it could not
   * hear them end): reset and done again, at-least-once as after a scheduler death.
   */
  readonly rerunAfterBlockedRunner: number;
  /** Fleet tries failed because the suite killed their worker (counted against retries, as Airflow's lost Celery tasks). */
  readonly workerKillFailures: number;
  /** Fleet tries reset because their BullMQ job vanished with the suite's Redis flush (not counted). */
  readonly redisLossResets: number;
  /**
   * Fleet tries that had finished their work when their worker was killed or their job vanished
   * (the outcome never reached Redis, or Redis lost it): done again, at-least-once.
   */
  readonly rerunAfterFleetFault: number;
  /** Pod tries reset because the suite evicted or preempted their pod (not counted). */
  readonly podDisruptionResets: number;
  /** Of the pod tries above, done again after finishing their work just before the pod was killed (at-least-once). */
  readonly rerunAfterPodFault: number;
  /** Pod tries a scheduler adopted from a dead (or paused) one. */
  readonly podsAdopted: number;
  /** The longest wait from a pod try's `end` marker to the scheduler recording that try's end, in ms. */
  readonly slowestPodEndHeardMs: number;
}

/** The fleet faults the suite injected: what explains a fleet try's failure or reset. */
export interface FleetFaults {
  /** Worker name → epoch ms the suite SIGKILLed it. */
  readonly workerKills: ReadonlyMap<string, number>;
  /** Epoch ms of each Redis flush (the deployment's prefix deleted). */
  readonly redisFlushes: readonly number[];
}

export interface CheckInput {
  readonly specs: ReadonlyMap<string, TaskSpec>;
  readonly states: readonly TiState[];
  readonly audit: readonly AuditRow[];
  readonly marks: ReadonlyMap<string, TaskMarks>;
  readonly kills: readonly TaskKill[];
  /** The run's state from `dags state`, or null when it could not be read. */
  readonly runState: string | null;
  /** Scheduler job id → epoch ms the suite killed it. */
  readonly schedulerKills: ReadonlyMap<number, number>;
  /** Scheduler job id → epoch ms it stopped acting: its process gone (killed, crashed, stopped), or its lease lost. */
  readonly schedulerDeaths: ReadonlyMap<number, number>;
  readonly fleet: FleetFaults;
  /** Pods the suite evicted or preempted. */
  readonly disruptions: readonly PodDisruption[];
  /** When some scheduler job was acting (from its "started" log line to its end), epoch ms: only that time counts towards hearing a pod's end. */
  readonly schedulersUp: ReadonlyArray<{ readonly from: number; readonly to: number }>;
}

/**
 * How soon a pod try's end must be recorded after its work ended, counting only time in which a
 * scheduler was up (a machine so loaded that a restarted scheduler takes a minute to start is not
 * a lost watch): far above a pause, a database cut-off or a create burst, well under the 60 s full list.
 */
export const POD_HEARD_WITHIN_MS = 30_000;

/** `at`: when the audit row was written (epoch ms). */
type Outcome = { kind: "success"; at: number } | { kind: "failed"; reason: string; at: number } | { kind: "lost"; reason: string; at: number };

const TERMINAL = new Set(["success", "failed", "skipped", "upstream_failed"]);
const IN_FLIGHT = new Set(["queued", "running"]);

/** Per task, try number → what the audit log says ended that try. */
function outcomesFromAudit(audit: readonly AuditRow[]): Map<string, Map<number, Outcome[]>> {
  const out = new Map<string, Map<number, Outcome[]>>();
  const add = (task: string, n: number, o: Outcome) => {
    const tries = out.get(task) ?? new Map<number, Outcome[]>();
    out.set(task, tries);
    tries.set(n, [...(tries.get(n) ?? []), o]);
  };
  for (const r of audit) {
    if (r.taskId === null || r.tryNumber === null) continue;
    const from = r.fromState ?? "";
    const at = Date.parse(r.time);
    if (r.event === "state_change" && IN_FLIGHT.has(from)) {
      if (r.toState === "success") add(r.taskId, r.tryNumber, { kind: "success", at });
      else if (r.toState === "failed" || r.toState === "up_for_retry") add(r.taskId, r.tryNumber, { kind: "failed", reason: r.reason ?? "", at });
    } else if (r.event === "reset" || r.event === "stuck_in_queued_reschedule") {
      add(r.taskId, r.tryNumber, { kind: "lost", reason: `${r.event}: ${r.reason ?? ""}`, at });
    } else if (r.event === "stuck_in_queued_failed") {
      add(r.taskId, r.tryNumber, { kind: "failed", reason: r.reason ?? "", at });
    }
  }
  return out;
}

/** A fleet try failed by the executor because its worker stopped heartbeating or vanished; group 1 names the worker. */
const LOST_WORKER = /^worker (\S+) (?:on host .* stopped heartbeating \d+ s ago|on host .* stopped without finishing this try|is gone \(it has no record in Redis)/;
/** A fleet try reset because its BullMQ job vanished from Redis. */
const VANISHED_JOB = /its BullMQ job \S+ vanished from Redis/;

/** A pod try reset because its pod was evicted or preempted (the KubernetesExecutor's words, after the scheduler's "try N lost: "). */
const POD_DISRUPTED = /lost: pod \S+(?: was deleted)?: (?:Evicted|Preempt|TerminationByKubelet|PreemptionByScheduler|DisruptionTarget)/;
/** A reset that took a try from a scheduler job that died; group 1 is the job. */
const DEAD_JOB = /scheduler job (\d+) that queued it is (?:dead|no longer running)/;

/** The reason of a try reset because another task blocked the runner it shared; group 1 names that task. */
const BLOCKED_RUNNER_RESET = /runner process \d+ was killed because (?:one of )?(.*) blocked its event loop/;

/**
 * Why a try failed, as far as the suite can tell; null when nothing it did explains it. A
 * culprit's own fault explains only its own tries: a try that failed because another task
 * blocked or killed the runner they shared has no cause here (no try fails for a fault not its own).
 */
function failureCause(reason: string, taskId: string, n: number, marks: TaskMarks | undefined, kills: readonly TaskKill[], mode: TaskMode, fleet: FleetFaults): string | null {
  if (/SIGKILL/.test(reason) && kills.some((k) => k.taskId === taskId && k.tryNumber === n)) return "killed by the suite";
  const worker = LOST_WORKER.exec(reason)?.[1];
  if (worker !== undefined && fleet.workerKills.has(worker)) return WORKER_KILLED;
  // A flush deletes the worker registry too: a worker with no record is gone until its next heartbeat.
  if (worker !== undefined && /is gone \(it has no record in Redis/.test(reason) && fleet.redisFlushes.length > 0) return WORKER_RECORD_FLUSHED;
  if (mode === TaskMode.BLOCKER && /^blocked the event loop of runner process \d+/.test(reason)) return "blocked its runner";
  if (mode === TaskMode.PARENT_KILLER && /^killed by SIGKILL\b/.test(reason)) return "killed its parent";
  if (/exited with code 1\b/.test(reason) && marks?.ends.get(n)?.some((e) => e.result === "fail")) return "failed on purpose";
  if (/zombie/.test(reason)) return "zombie (no heartbeat during a fault)";
  return null;
}

const WORKER_KILLED = "its worker was killed by the suite";
const WORKER_RECORD_FLUSHED = "its worker's record was lost with Redis (the suite flushed it)";

/** The invariants of one cycle, from the final TI states, the audit log and the tasks' own markers. */
export function checkCycle(input: CheckInput): { violations: Violation[]; stats: CheckStats } {
  const v: Violation[] = [];
  const outcomes = outcomesFromAudit(input.audit);
  const states = new Map(input.states.map((s) => [s.taskId, s]));
  let triesRun = 0;
  let resets = 0;
  let killedAfterDone = 0;
  let rerunAfterBlockedRunner = 0;
  let workerKillFailures = 0;
  let redisLossResets = 0;
  let rerunAfterFleetFault = 0;
  let podDisruptionResets = 0;
  let rerunAfterPodFault = 0;
  let slowestPodEndHeardMs = 0;
  const disrupted = (taskId: string, n: number) => input.disruptions.some((d) => d.taskId === taskId && d.tryNumber === n);

  if (input.runState !== "success" && input.runState !== "failed") {
    v.push({ kind: ViolationKind.LOST, detail: `the run never finished (state ${input.runState ?? "unreadable"})` });
  }

  for (const [taskId, spec] of input.specs) {
    const st = states.get(taskId);
    if (!st) {
      v.push({ kind: ViolationKind.LOST, taskId, detail: "no task instance in the run" });
      continue;
    }
    const marks = input.marks.get(taskId);
    const tries = outcomes.get(taskId) ?? new Map<number, Outcome[]>();
    for (const starts of marks?.starts.values() ?? []) triesRun += starts.length;

    if (!TERMINAL.has(st.state)) {
      v.push({ kind: ViolationKind.STUCK, taskId, detail: `${st.state} at try ${st.tryNumber} when the deadline passed` });
      continue;
    }

    // Overlap: the lock, and the start/end intervals of tries that finished.
    for (const o of marks?.overlaps ?? []) {
      v.push({ kind: ViolationKind.OVERLAPPING, taskId, detail: `try ${o.tryNumber} found the task's lock held by another try at ${iso(o.at)}` });
    }
    const intervals = [...(marks?.starts ?? [])].flatMap(([n, starts]) => {
      const end = marks?.ends.get(n)?.[0]?.at;
      return starts.length === 1 && end !== undefined ? [{ n, start: starts[0]!, end }] : [];
    });
    for (const a of intervals) {
      for (const b of intervals) {
        if (a.n < b.n && a.start < b.end && b.start < a.end) {
          v.push({ kind: ViolationKind.OVERLAPPING, taskId, detail: `tries ${a.n} [${iso(a.start)}, ${iso(a.end)}] and ${b.n} [${iso(b.start)}, ${iso(b.end)}] ran at the same time` });
        }
      }
    }

    // One outcome per try, for every try up to the current one.
    let counted = 0;
    let lost = 0;
    const causes: string[] = [];
    for (const [n, os] of tries) {
      if (os.length > 1) v.push({ kind: ViolationKind.MISCOUNTED, taskId, detail: `try ${n} ended ${os.length} times: ${os.map((o) => o.kind).join(", ")}` });
      for (const o of os) {
        if (o.kind === "lost") lost++;
        if (o.kind === "lost" && VANISHED_JOB.test(o.reason)) redisLossResets++;
        if (o.kind === "lost" && POD_DISRUPTED.test(o.reason)) podDisruptionResets++;
        if (o.kind !== "failed") continue;
        counted++;
        const cause = failureCause(o.reason, taskId, n, marks, input.kills, spec.mode, input.fleet);
        if (cause === WORKER_KILLED) workerKillFailures++;
        if (cause === null) v.push({ kind: ViolationKind.UNEXPLAINED_FAILURE, taskId, detail: `try ${n} failed: ${o.reason}` });
        else causes.push(cause);
      }
    }
    resets += lost;
    for (let n = 1; n < st.tryNumber; n++) {
      if (!tries.has(n)) v.push({ kind: ViolationKind.MISCOUNTED, taskId, detail: `try ${n} has no recorded end, but the TI moved on to try ${st.tryNumber}` });
    }
    for (const n of tries.keys()) {
      if (n > st.tryNumber) v.push({ kind: ViolationKind.MISCOUNTED, taskId, detail: `the audit log ends try ${n}, past the TI's try ${st.tryNumber}` });
    }
    if (st.maxTries !== spec.retries + lost) {
      v.push({ kind: ViolationKind.MISCOUNTED, taskId, detail: `max_tries ${st.maxTries}, expected retries ${spec.retries} + ${lost} lost tr${lost === 1 ? "y" : "ies"}` });
    }
    if (st.tryNumber > st.maxTries + 1) v.push({ kind: ViolationKind.MISCOUNTED, taskId, detail: `try ${st.tryNumber} > max_tries ${st.maxTries} + 1` });

    // The final state against the tries.
    const finalOutcome = tries.get(st.tryNumber)?.at(-1);
    if (st.state === "success" || st.state === "failed") {
      if (finalOutcome?.kind !== (st.state === "success" ? "success" : "failed")) {
        v.push({ kind: ViolationKind.MISCOUNTED, taskId, detail: `state ${st.state}, but the audit log ends try ${st.tryNumber} as ${finalOutcome?.kind ?? "nothing"}` });
      }
    }
    if (st.state === "failed" && counted !== spec.retries + 1) {
      v.push({ kind: ViolationKind.MISCOUNTED, taskId, detail: `failed after ${counted} counted tries; retries ${spec.retries} allow ${spec.retries + 1}` });
    }
    if (st.state === "success" && counted > spec.retries) {
      v.push({ kind: ViolationKind.MISCOUNTED, taskId, detail: `succeeded after ${counted} counted failures; retries ${spec.retries} allow ${spec.retries}` });
    }
    const expected = expectedState(spec, st, counted, states);
    if (expected !== null && st.state !== expected) {
      v.push({ kind: ViolationKind.MISCOUNTED, taskId, detail: `ended ${st.state}, expected ${expected} (mode ${spec.mode}, ${counted} counted failures: ${causes.join("; ") || "none"})` });
    }

    // Work done exactly once: the last try of a success has its `end ok`, no other try does.
    const okTries = [...(marks?.ends ?? [])].filter(([, ends]) => ends.some((e) => e.result === "ok")).map(([n]) => n);
    if (st.state === "success" && !okTries.includes(st.tryNumber)) {
      v.push({ kind: ViolationKind.LOST, taskId, detail: `recorded success at try ${st.tryNumber}, but that try never finished its work (tries that did: ${okTries.join(", ") || "none"})` });
    }
    for (const n of okTries) {
      if (st.state === "success" && n === st.tryNumber) continue;
      const o = tries.get(n)?.at(-1);
      if (o?.kind === "failed" && failureCause(o.reason, taskId, n, marks, input.kills, spec.mode, input.fleet) === "killed by the suite") {
        killedAfterDone++;
        continue;
      }
      if (o?.kind === "lost" && BLOCKED_RUNNER_RESET.test(o.reason)) {
        rerunAfterBlockedRunner++;
        continue;
      }
      const fleetCause = o?.kind === "failed" ? failureCause(o.reason, taskId, n, marks, input.kills, spec.mode, input.fleet) : null;
      if ((o?.kind === "lost" && VANISHED_JOB.test(o.reason) && input.fleet.redisFlushes.length > 0) || fleetCause === WORKER_KILLED || fleetCause === WORKER_RECORD_FLUSHED) {
        rerunAfterFleetFault++;
        continue;
      }
      if (o?.kind === "lost" && POD_DISRUPTED.test(o.reason) && disrupted(taskId, n)) {
        rerunAfterPodFault++;
        continue;
      }
      const deadJob = o?.kind === "lost" ? /scheduler job (\d+) that queued it is (?:dead|no longer running)/.exec(o.reason) : null;
      if (deadJob && o?.kind === "lost" && !resetTooEarly(o.at, input.schedulerDeaths.get(Number(deadJob[1])))) {
        const doneAt = marks?.ends.get(n)?.[0]?.at;
        const killedAt = input.schedulerKills.get(Number(deadJob[1]));
        const when =
          doneAt === undefined || killedAt === undefined
            ? `at ${iso(doneAt)}`
            : `${Math.abs(doneAt - killedAt)} ms ${doneAt <= killedAt ? "before" : "after"} the suite killed scheduler job ${deadJob[1]}`;
        v.push({ kind: ViolationKind.RERUN, taskId, detail: `try ${n} finished its work ${when}, and was reset as lost; try ${st.tryNumber} did it again` });
        continue;
      }
      const what = o === undefined ? "has no recorded end" : o.kind === "lost" ? `was then ${o.reason}` : `was recorded ${o.kind}${o.kind === "failed" ? ` (${o.reason})` : ""}`;
      v.push({ kind: ViolationKind.DUPLICATED, taskId, detail: `try ${n} finished its work and ${what}; the TI ended ${st.state} at try ${st.tryNumber}` });
    }
    for (const [n, starts] of marks?.starts ?? []) {
      if (starts.length > 1) v.push({ kind: ViolationKind.DUPLICATED, taskId, detail: `try ${n} started ${starts.length} times` });
    }

    if (spec.kube) {
      for (const [n, os] of tries) {
        const first = os[0]!;
        // Its work ended: its end must be heard soon, whatever the watch went through.
        const doneAt = marks?.ends.get(n)?.[0]?.at;
        if (doneAt !== undefined) {
          const waited = upTime(input.schedulersUp, doneAt, Math.min(...os.map((o) => o.at)));
          slowestPodEndHeardMs = Math.max(slowestPodEndHeardMs, waited);
          if (waited > POD_HEARD_WITHIN_MS) {
            v.push({ kind: ViolationKind.POD_END_UNHEARD, taskId, detail: `try ${n} ended its work at ${iso(doneAt)}, recorded ${first.kind} at ${iso(first.at)}, after ${(waited / 1000).toFixed(1)} s with a scheduler up` });
          }
        }
        // Reset for a dead scheduler while its pod was at work: the pod should have been adopted.
        const startedAt = marks?.starts.get(n)?.[0];
        if (first.kind === "lost" && DEAD_JOB.test(first.reason) && startedAt !== undefined && startedAt < first.at && (doneAt === undefined || doneAt > first.at) && !disrupted(taskId, n)) {
          v.push({
            kind: ViolationKind.POD_NOT_ADOPTED,
            taskId,
            detail: `try ${n}'s pod was at work (since ${iso(startedAt)}${doneAt === undefined ? ", never finished" : `, until ${iso(doneAt)}`}) when it was reset at ${iso(first.at)} (${first.reason}); the TI ended ${st.state} at try ${st.tryNumber}`,
          });
        }
      }
    }
  }
  // Every pod the suite evicted or preempted: its try reset (not counted), unless it had ended by itself first.
  for (const d of input.disruptions) {
    const o = outcomes.get(d.taskId)?.get(d.tryNumber)?.[0];
    const endedBefore = (input.marks.get(d.taskId)?.ends.get(d.tryNumber)?.[0]?.at ?? Infinity) <= d.at;
    if (o?.kind === "failed" && !endedBefore) {
      v.push({ kind: ViolationKind.EVICTION_COUNTED, taskId: d.taskId, detail: `pod ${d.pod} (try ${d.tryNumber}) was disrupted by the suite at ${iso(d.at)}, and the try was counted as failed: ${o.reason}` });
    }
  }
  // A reset names the scheduler job it took the try from: that process must have been gone.
  for (const r of input.audit) {
    if (r.event !== "reset") continue;
    const job = /scheduler job (\d+) that queued it/.exec(r.reason ?? "");
    if (!job) continue;
    const diedAt = input.schedulerDeaths.get(Number(job[1]));
    if (resetTooEarly(Date.parse(r.time), diedAt)) {
      v.push({
        kind: ViolationKind.FALSE_RESET,
        ...(r.taskId ? { taskId: r.taskId } : {}),
        detail: `try ${r.tryNumber} reset at ${r.time} by ${r.source} (${r.reason}), but job ${job[1]} ${diedAt === undefined ? "was still running at the end of the cycle" : `was still acting until ${iso(diedAt)}`}`,
      });
    }
  }
  // Tries reset for a blocked runner must name a task that blocks runners.
  let blockedRunnerResets = 0;
  for (const r of input.audit) {
    const blamed = r.event === "reset" ? BLOCKED_RUNNER_RESET.exec(r.reason ?? "") : null;
    if (!blamed) continue;
    blockedRunnerResets++;
    const named = blamed[1]!.split(", ").map((key) => /^[^.]+\.(\S+?)(?:\[\d+\])? run=/.exec(key)?.[1]);
    if (named.some((task) => task === undefined || input.specs.get(task)?.mode !== TaskMode.BLOCKER)) {
      v.push({ kind: ViolationKind.WRONG_CULPRIT, ...(r.taskId ? { taskId: r.taskId } : {}), detail: `try ${r.tryNumber} reset at ${r.time}: ${r.reason}` });
    }
  }
  const zombieFailures = input.audit.filter((r) => r.event === "state_change" && /zombie/.test(r.reason ?? "")).length;
  const rejectedReports = input.audit.filter((r) => r.event === "report_rejected").length;
  return {
    violations: v,
    stats: {
      tis: input.states.length,
      triesRun,
      resets,
      zombieFailures,
      rejectedReports,
      killedAfterDone,
      blockedRunnerResets,
      rerunAfterBlockedRunner,
      workerKillFailures,
      redisLossResets,
      rerunAfterFleetFault,
      podDisruptionResets,
      rerunAfterPodFault,
      podsAdopted: input.audit.filter((r) => r.event === "adopted" && r.taskId !== null && input.specs.get(r.taskId)?.kube === true).length,
      slowestPodEndHeardMs,
    },
  };
}

/** How long within [from, to] at least one of `intervals` covered (their union, clipped). */
export function upTime(intervals: ReadonlyArray<{ readonly from: number; readonly to: number }>, from: number, to: number): number {
  const clipped = intervals
    .map((i) => ({ from: Math.max(i.from, from), to: Math.min(i.to, to) }))
    .filter((i) => i.to > i.from)
    .sort((a, b) => a.from - b.from);
  let total = 0;
  let reached = from;
  for (const i of clipped) {
    if (i.to <= reached) continue;
    total += i.to - Math.max(i.from, reached);
    reached = i.to;
  }
  return total;
}

/** Whether a reset at `at` came before its scheduler's process was gone (slack: the audit time is taken at the start of the pass). */
function resetTooEarly(at: number, diedAt: number | undefined): boolean {
  return diedAt === undefined || at < diedAt - 1500;
}

function iso(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? "?" : new Date(ms).toISOString();
}

/** The state a task instance must end in, given its mode, its counted failures and its upstream; null: no opinion. */
function expectedState(
  spec: TaskSpec,
  st: TiState,
  counted: number,
  states: ReadonlyMap<string, TiState>,
): string | null {
  if (spec.triggerRule === "all_done") return counted > spec.retries ? "failed" : "success";
  const upstreamStates = spec.upstream.map((u) => states.get(u)?.state);
  if (upstreamStates.some((s) => s === "failed" || s === "upstream_failed")) {
    // all_success: a failed upstream settles it, unless this task already ran.
    return st.tryNumber > 0 && st.state !== "upstream_failed" ? null : "upstream_failed";
  }
  if (ALWAYS_FAILING.includes(spec.mode)) return "failed";
  if (counted > spec.retries) return "failed";
  return "success";
}
