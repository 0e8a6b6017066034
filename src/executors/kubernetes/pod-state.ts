import type { V1Pod } from "@kubernetes/client-node";
import { BASE_CONTAINER } from "./pod-builder.js";
import { lastLine } from "./pod-result.js";

/** What a pod's status means for its try (Airflow's KubernetesJobWatcher mapping, plus evictions and pending reasons). */
export type PodVerdict =
  | { readonly kind: "pending" }
  | { readonly kind: "running"; readonly startedAt: number | null }
  | { readonly kind: "succeeded"; readonly startedAt: number | null; readonly finishedAt: number | null }
  | { readonly kind: "failed"; readonly reason: string; readonly startedAt: number | null; readonly finishedAt: number | null; readonly message: string | null }
  /** Pending with a waiting reason that will not go away by itself (image pull, bad config). */
  | { readonly kind: "fatal-pending"; readonly reason: string }
  /** Evicted by the kubelet or preempted (DisruptionTarget): the try was cut short, not failed by its task. */
  | { readonly kind: "evicted"; readonly reason: string };

const ms = (d: Date | string | undefined): number | null => (d === undefined ? null : new Date(d).getTime());

/** The verdict on `pod` as last seen; `deleted`: it was deleted (a watch DELETED event, or gone from a list). */
export function judgePod(pod: V1Pod, fatalPendingReasons: readonly string[], deleted = false): PodVerdict {
  const status = pod.status ?? {};
  const disruption = (status.conditions ?? []).find((c) => c.type === "DisruptionTarget" && c.status === "True");
  if (status.reason === "Evicted" || status.reason === "Preempting" || status.reason === "Preempted") {
    return { kind: "evicted", reason: `pod ${pod.metadata?.name}: ${status.reason}${status.message ? `: ${status.message}` : ""}` };
  }
  const base = (status.containerStatuses ?? []).find((c) => c.name === BASE_CONTAINER) ?? status.containerStatuses?.[0];
  const terminated = base?.state?.terminated;
  const startedAt = ms(terminated?.startedAt ?? base?.state?.running?.startedAt ?? status.startTime);
  if (status.phase === "Succeeded") return { kind: "succeeded", startedAt, finishedAt: ms(terminated?.finishedAt) };
  if (status.phase === "Failed") {
    if (disruption !== undefined) return { kind: "evicted", reason: `pod ${pod.metadata?.name}: ${disruption.reason ?? "DisruptionTarget"}${disruption.message ? `: ${disruption.message}` : ""}` };
    const exit = terminated === undefined ? (status.reason ?? "failed") : `exit code ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ""}`;
    return { kind: "failed", reason: exit, startedAt, finishedAt: ms(terminated?.finishedAt), message: lastLine(terminated?.message) ?? status.message ?? null };
  }
  if (deleted) {
    if (disruption !== undefined) return { kind: "evicted", reason: `pod ${pod.metadata?.name} was deleted: ${disruption.reason ?? "DisruptionTarget"}${disruption.message ? `: ${disruption.message}` : ""}` };
    return { kind: "failed", reason: "deleted", startedAt, finishedAt: null, message: `pod ${pod.metadata?.name} was deleted before its try finished` };
  }
  if (status.phase === "Pending" || status.phase === undefined) {
    for (const c of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
      const waiting = c.state?.waiting;
      if (waiting?.reason !== undefined && fatalPendingReasons.includes(waiting.reason)) {
        return { kind: "fatal-pending", reason: `container ${c.name}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""}` };
      }
    }
    return { kind: "pending" };
  }
  if (status.phase === "Running") return { kind: "running", startedAt };
  return { kind: "pending" }; // "Unknown": the node is unreachable; wait (pending_timeout does not apply once it ran)
}

/** Why a pod is still Pending, for a pending_timeout message: its unschedulable condition or its containers' waiting reasons. */
export function pendingWhy(pod: V1Pod): string {
  const status = pod.status ?? {};
  const scheduled = (status.conditions ?? []).find((c) => c.type === "PodScheduled" && c.status === "False");
  if (scheduled !== undefined) return `${scheduled.reason ?? "not scheduled"}${scheduled.message ? `: ${scheduled.message}` : ""}`;
  const waiting = (status.containerStatuses ?? []).map((c) => c.state?.waiting?.reason).filter((r): r is string => r !== undefined);
  return waiting.length > 0 ? waiting.join(", ") : "no reason given";
}
