import { lookupExecutorName, type ExecutorName } from "../config/executor-names.js";
import type { SerializedDag } from "../dag/types.js";
import type { PoolRow, TaskInstanceRow } from "../store/schema.js";

/** Why one task goes where it goes: what `dags explain-routing` prints. */
export interface RoutingExplanation {
  taskId: string;
  /** The configured executor name (alias or class), or the name as written when it is not configured. */
  executor: string;
  executorClass: string | null;
  /** "task", "dag_default" or "default". */
  source: string;
  /** For a hybrid executor (LocalKubernetesExecutor, BullMQKubernetesExecutor): the side the task's queue sends it to ("kubernetes", "local", "bullmq"); null otherwise. */
  side: string | null;
  reason: string;
  queue: string;
  pool: string;
  poolSlots: number;
  priorityWeight: number;
  weightRule: string;
  /** Problems that keep the task from ever being queued, as things stand. */
  problems: string[];
  /** For the run inspected: its TI's state and why it waits, if it does. */
  state: string | null;
  waitingFor: string | null;
}

/** How a hybrid executor picks its side: its kubernetes_queue, and the name of its other side. */
export interface HybridRouting {
  readonly kubernetesQueue: string;
  readonly otherSide: string;
}

export function explainRouting(
  dag: SerializedDag,
  names: readonly ExecutorName[],
  pools: readonly PoolRow[],
  tis: ReadonlyMap<string, TaskInstanceRow>,
  hybrids: ReadonlyMap<string, HybridRouting> = new Map(),
): RoutingExplanation[] {
  const defaultName = names[0]!;
  const poolNames = new Map(pools.map((p) => [p.name, p]));
  return dag.tasks.map((t) => {
    const resolved = t.executor === null ? defaultName : lookupExecutorName(names, t.executor);
    const problems: string[] = [];
    let reason: string;
    if (t.executorSource === "task") reason = `task option executor: "${t.executor}"`;
    else if (t.executorSource === "dag_default") reason = `DAG defaults executor: "${t.executor}"`;
    else reason = `no executor set: the default executor (first in [core] executor) is ${defaultName.name}`;
    const hybrid = resolved === undefined ? undefined : hybrids.get(resolved.name);
    let side: string | null = null;
    if (hybrid !== undefined) {
      const toKubernetes = t.queue === hybrid.kubernetesQueue;
      side = toKubernetes ? "kubernetes" : hybrid.otherSide;
      reason += toKubernetes
        ? `; queue "${t.queue}" == its kubernetes_queue: its Kubernetes side runs it`
        : `; queue "${t.queue}" != its kubernetes_queue "${hybrid.kubernetesQueue}": its ${side} side runs it`;
    }
    if (!resolved) problems.push(`executor '${t.executor}' is not configured; configured: ${names.map((n) => n.name).join(", ")}`);
    const pool = poolNames.get(t.pool);
    if (!pool) problems.push(`pool '${t.pool}' does not exist; create it with \`switchyard pools set ${t.pool} <slots>\``);
    else if (pool.slots >= 0 && t.poolSlots > pool.slots) problems.push(`poolSlots ${t.poolSlots} exceeds the ${pool.slots} slot(s) of pool '${t.pool}'`);
    const ti = tis.get(t.taskId);
    return {
      taskId: t.taskId,
      executor: ti?.executor ?? resolved?.name ?? t.executor ?? defaultName.name,
      executorClass: resolved?.className ?? null,
      source: t.executorSource,
      side,
      reason,
      queue: t.queue,
      pool: t.pool,
      poolSlots: t.poolSlots,
      priorityWeight: t.effectivePriorityWeight,
      weightRule: t.weightRule,
      problems,
      state: ti?.state ?? null,
      waitingFor: ti?.pending_reason ?? null,
    };
  });
}
