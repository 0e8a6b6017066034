import { randomUUID } from "node:crypto";
import { nowTime, type WirePod } from "./wire.js";

const GENERATED_SUFFIX_CHARS = "bcdfghjklmnpqrstvwxz2456789";

/** generateName + 5 random characters, as the apiserver's SimpleNameGenerator (prefix cut to 58). */
export function generateName(prefix: string): string {
  let suffix = "";
  for (let i = 0; i < 5; i++) suffix += GENERATED_SUFFIX_CHARS[Math.floor(Math.random() * GENERATED_SUFFIX_CHARS.length)];
  return prefix.slice(0, 58) + suffix;
}

function qosClass(pod: WirePod): string {
  const containers = pod.spec?.containers ?? [];
  const resources = containers.map((c) => c.resources ?? {});
  if (resources.every((r) => Object.keys(r.requests ?? {}).length === 0 && Object.keys(r.limits ?? {}).length === 0)) return "BestEffort";
  const guaranteed = resources.every((r) => {
    const limits = r.limits ?? {};
    const requests = { ...limits, ...(r.requests ?? {}) };
    return ["cpu", "memory"].every((k) => limits[k] !== undefined && String(requests[k]) === String(limits[k]));
  });
  return guaranteed ? "Guaranteed" : "Burstable";
}

/** Fills the fields the apiserver's defaulting and admission set on a new pod. */
export function applyPodDefaults(pod: WirePod, namespace: string): void {
  pod.apiVersion = "v1";
  pod.kind = "Pod";
  const meta = (pod.metadata ??= {});
  meta.namespace = namespace;
  meta.uid = randomUUID();
  meta.creationTimestamp = nowTime();
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  const spec = pod.spec!;
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.schedulerName ??= "default-scheduler";
  spec.serviceAccountName ??= "default";
  spec.serviceAccount ??= spec.serviceAccountName;
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  spec.priority ??= 0;
  spec.preemptionPolicy ??= "PreemptLowerPriority";
  for (const c of spec.containers) {
    c.terminationMessagePath ??= "/dev/termination-log";
    c.terminationMessagePolicy ??= "File";
    c.resources ??= {};
    const tagged = /:[^/]+$/.test(c.image ?? "") && !(c.image ?? "").endsWith(":latest");
    c.imagePullPolicy ??= tagged ? "IfNotPresent" : "Always";
  }
  pod.status = { phase: "Pending", qosClass: qosClass(pod) };
}
