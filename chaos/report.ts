import { POD_HEARD_WITHIN_MS, VIOLATION_KINDS, ViolationKind } from "./check.js";
import type { CycleResult } from "./cycle.js";
import { FAULT_KINDS, FaultKind } from "./faults.js";

const FAULT_LABEL: Record<FaultKind, string> = {
  [FaultKind.SCHEDULER_KILL]: "scheduler kill -9",
  [FaultKind.SCHEDULER_PAUSE]: "scheduler kill -STOP, then -CONT",
  [FaultKind.TASK_KILL]: "task kill -9",
  [FaultKind.PG_RESTART]: "PostgreSQL restart",
  [FaultKind.DB_OUTAGE]: "database cut-off (sessions killed, logins refused)",
  [FaultKind.DAG_FILES]: "slow and endless DAG files dropped",
  [FaultKind.WORKER_KILL]: "fleet worker kill -9 (a new one started later)",
  [FaultKind.REDIS_FLUSH]: "Redis keys of the fleet's prefix deleted (Redis restarted empty)",
  [FaultKind.POD_EVICT]: "running pod evicted (kubelet)",
  [FaultKind.POD_PREEMPT]: "running pod preempted (DisruptionTarget, graceful delete)",
  [FaultKind.WATCH_DROP]: "pod watches cut mid-stream",
  [FaultKind.WATCH_EXPIRE]: "pod watches ended with 410 Expired (history compacted)",
  [FaultKind.KUBE_API_BURST]: "pod creates answered 429/500/503 (a burst of 2 to 5)",
};

export function faultCounts(faults: CycleResult["faults"]): Record<FaultKind, number> {
  const counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  for (const f of faults) counts[f.kind]++;
  return counts;
}

/** The one line printed on stderr after each cycle. */
export function progressLine(r: CycleResult, total: number, failing: (k: ViolationKind) => boolean): string {
  const c = faultCounts(r.faults);
  const found = VIOLATION_KINDS.map((k) => [k, r.violations.filter((v) => v.kind === k).length] as const).filter(([, n]) => n > 0);
  const bad = found.filter(([k]) => failing(k));
  const notes = found.filter(([k]) => !failing(k));
  return (
    `cycle ${r.index}/${total} seed ${r.seed}: run ${r.runState ?? "?"} in ${(r.runMs / 1000).toFixed(1)} s (cycle ${(r.wallMs / 1000).toFixed(1)} s: setup ${(r.setupMs / 1000).toFixed(1)}, stop ${(r.stopMs / 1000).toFixed(1)}, collect ${(r.collectMs / 1000).toFixed(1)}), ` +
    `${r.stats.tis} TIs, ${r.stats.triesRun} tries, ${r.stats.resets} reset; faults: ${c.scheduler_kill} scheduler, ${c.scheduler_pause} paused, ${c.task_kill} task, ${c.db_outage} cut-off, ${c.pg_restart} pg restart, ${c.dag_files} slow DAG files, ${c.worker_kill} worker, ${c.redis_flush} Redis flush, ` +
    `${c.pod_evict + c.pod_preempt} pod evict/preempt, ${c.watch_drop + c.watch_expire} watch drop/410, ${c.kube_api_burst} API burst; ` +
    (bad.length === 0 ? "ok" : `VIOLATIONS: ${bad.map(([k, n]) => `${n} ${k}`).join(", ")} (kept ${r.home})`) +
    (notes.length === 0 ? "" : `; noted: ${notes.map(([k, n]) => `${n} ${k}`).join(", ")}`)
  );
}

/** The final table (markdown, so it pastes into docs/reliability.md as is). */
export function summaryTable(results: readonly CycleResult[], wallMs: number, errors: number): string {
  const sum = (f: (r: CycleResult) => number) => results.reduce((a, r) => a + f(r), 0);
  const faults = faultCounts(results.flatMap((r) => r.faults));
  const count = (k: ViolationKind) => sum((r) => r.violations.filter((v) => v.kind === k).length);
  const rows: Array<[string, string | number]> = [
    ["cycles", results.length + (errors > 0 ? ` (+${errors} that could not run)` : "")],
    [`faults: ${FAULT_LABEL.scheduler_kill}`, faults.scheduler_kill],
    [`faults: ${FAULT_LABEL.scheduler_pause}`, faults.scheduler_pause],
    [`faults: ${FAULT_LABEL.task_kill}`, faults.task_kill],
    [`faults: ${FAULT_LABEL.db_outage}`, faults.db_outage],
    [`faults: ${FAULT_LABEL.pg_restart}`, faults.pg_restart],
    [`faults: ${FAULT_LABEL.dag_files}`, faults.dag_files],
    [`faults: ${FAULT_LABEL.worker_kill}`, faults.worker_kill],
    [`faults: ${FAULT_LABEL.redis_flush}`, faults.redis_flush],
    [`faults: ${FAULT_LABEL.pod_evict}`, faults.pod_evict],
    [`faults: ${FAULT_LABEL.pod_preempt}`, faults.pod_preempt],
    [`faults: ${FAULT_LABEL.watch_drop}`, faults.watch_drop],
    [`faults: ${FAULT_LABEL.watch_expire}`, faults.watch_expire],
    [`faults: ${FAULT_LABEL.kube_api_burst}`, faults.kube_api_burst],
    ["faults: total", FAULT_KINDS.reduce((n, k) => n + faults[k], 0)],
    ["task instances", sum((r) => r.stats.tis)],
    ["tries run (bash started)", sum((r) => r.stats.triesRun)],
    ["tries reset as lost (not counted)", sum((r) => r.stats.resets)],
    ["tries reset because a task blocked their runner (not counted)", sum((r) => r.stats.blockedRunnerResets)],
    ["of those, done again after finishing while the runner was blocked (at-least-once)", sum((r) => r.stats.rerunAfterBlockedRunner)],
    ["fleet tries failed because the suite killed their worker (counted)", sum((r) => r.stats.workerKillFailures)],
    ["fleet tries reset because their job vanished with Redis (not counted)", sum((r) => r.stats.redisLossResets)],
    ["of the fleet tries above, done again after finishing their work (at-least-once)", sum((r) => r.stats.rerunAfterFleetFault)],
    ["pod tries reset because the suite evicted or preempted their pod (not counted)", sum((r) => r.stats.podDisruptionResets)],
    ["of those, done again after finishing their work just before (at-least-once)", sum((r) => r.stats.rerunAfterPodFault)],
    ["pod tries adopted from a dead or paused scheduler", sum((r) => r.stats.podsAdopted)],
    ["slowest pod end heard (work done → end recorded)", `${(Math.max(0, ...results.map((r) => r.stats.slowestPodEndHeardMs)) / 1000).toFixed(1)} s`],
    ["zombie failures", sum((r) => r.stats.zombieFailures)],
    ["late reports rejected by fencing", sum((r) => r.stats.rejectedReports)],
    ["runs ended success / failed / unfinished", `${results.filter((r) => r.runState === "success").length} / ${results.filter((r) => r.runState === "failed").length} / ${results.filter((r) => r.runState !== "success" && r.runState !== "failed").length}`],
    ["**lost**", count(ViolationKind.LOST)],
    ["**duplicated**", count(ViolationKind.DUPLICATED)],
    ["re-runs after a scheduler death (at-least-once)", count(ViolationKind.RERUN)],
    ["**overlapping tries**", count(ViolationKind.OVERLAPPING)],
    ["**stuck**", count(ViolationKind.STUCK)],
    ["resets while the owning scheduler lived", count(ViolationKind.FALSE_RESET)],
    ["retry accounting wrong", count(ViolationKind.MISCOUNTED)],
    ["unexplained try failures (another task's fault included)", count(ViolationKind.UNEXPLAINED_FAILURE)],
    ["**resets blaming a task that blocks no runner**", count(ViolationKind.WRONG_CULPRIT)],
    ["scheduler crashes / hangs", count(ViolationKind.CRASH)],
    ["**leases lost to DAG parsing, endless file not an import error**", count(ViolationKind.PARSE_STALL)],
    ["**evicted or preempted pods' tries counted against retries**", count(ViolationKind.EVICTION_COUNTED)],
    ["**pods at work when their scheduler died, re-run instead of adopted**", count(ViolationKind.POD_NOT_ADOPTED)],
    [`**pod ends heard more than ${POD_HEARD_WITHIN_MS / 1000} s late (watch lost)**`, count(ViolationKind.POD_END_UNHEARD)],
    ["wall time", formatDuration(wallMs)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return ["| what | count |", "| --- | ---: |", ...rows.map(([k, v]) => `| ${k.padEnd(width)} | ${v} |`)].join("\n");
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}
