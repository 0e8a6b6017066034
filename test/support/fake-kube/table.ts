import type { WirePod } from "./wire.js";

/**
 * meta.k8s.io/v1 Table output for pods, as kubectl asks for with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (columns and cells of
 * pkg/printers/internalversion/printers.go printPod).
 */

export type IncludeObject = "None" | "Metadata" | "Object";

const POD_COLUMNS = [
  { name: "Name", type: "string", format: "name", description: "Name must be unique within a namespace.", priority: 0 },
  { name: "Ready", type: "string", format: "", description: "The aggregate readiness state of this pod for accepting traffic.", priority: 0 },
  { name: "Status", type: "string", format: "", description: "The aggregate status of the containers in this pod.", priority: 0 },
  { name: "Restarts", type: "string", format: "", description: "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.", priority: 0 },
  { name: "Age", type: "string", format: "", description: "CreationTimestamp is a timestamp representing the server time when this object was created.", priority: 0 },
  { name: "IP", type: "string", format: "", description: "podIP address allocated to the pod.", priority: 1 },
  { name: "Node", type: "string", format: "", description: "NodeName indicates in which node this pod is scheduled.", priority: 1 },
  { name: "Nominated Node", type: "string", format: "", description: "nominatedNodeName is set when this pod preempts other pods on the node.", priority: 1 },
  { name: "Readiness Gates", type: "string", format: "", description: "If specified, all readiness gates will be evaluated for pod readiness.", priority: 1 },
];

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  if (hours < 24 * 365 * 8) return `${years}y${Math.floor(hours / 24) % 365}d`;
  return `${years}y`;
}

function age(timestamp: string | undefined): string {
  return timestamp ? humanDuration(Date.now() - Date.parse(timestamp)) : "<unknown>";
}

/** The STATUS column: phase, overridden by pod reason, container waiting/terminated reasons, Terminating. */
function podReason(pod: WirePod): string {
  let reason = pod.status?.reason || pod.status?.phase || "Unknown";
  let hasRunning = false;
  for (const cs of [...(pod.status?.containerStatuses ?? [])].reverse()) {
    const state = cs.state ?? {};
    if (state.waiting?.reason) reason = state.waiting.reason;
    else if (state.terminated?.reason) reason = state.terminated.reason;
    else if (state.terminated) reason = state.terminated.signal ? `Signal:${state.terminated.signal}` : `ExitCode:${state.terminated.exitCode}`;
    else if (state.running && cs.ready) hasRunning = true;
  }
  if (reason === "Completed" && hasRunning) reason = pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ? "Running" : "NotReady";
  if (pod.metadata?.deletionTimestamp) reason = "Terminating";
  return reason;
}

function podCells(pod: WirePod): (string | number)[] {
  const statuses = pod.status?.containerStatuses ?? [];
  const total = pod.spec?.containers.length ?? 0;
  const ready = statuses.filter((c) => c.ready).length;
  const restarts = statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0);
  return [
    pod.metadata?.name ?? "",
    `${ready}/${total}`,
    podReason(pod),
    String(restarts),
    age(pod.metadata?.creationTimestamp),
    pod.status?.podIP || "<none>",
    pod.spec?.nodeName || "<none>",
    pod.status?.nominatedNodeName || "<none>",
    "<none>",
  ];
}

function rowObject(pod: WirePod, include: IncludeObject): unknown {
  if (include === "None") return undefined;
  if (include === "Object") return pod;
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: pod.metadata };
}

export function podTable(pods: WirePod[], opts: { include: IncludeObject; resourceVersion: string; continueToken?: string; noHeaders?: boolean }): unknown {
  const metadata: Record<string, string> = { resourceVersion: opts.resourceVersion };
  if (opts.continueToken) metadata.continue = opts.continueToken;
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata,
    columnDefinitions: opts.noHeaders ? null : POD_COLUMNS,
    rows: pods.map((pod) => {
      const phase = pod.status?.phase;
      const row: Record<string, unknown> = { cells: podCells(pod), object: rowObject(pod, opts.include) };
      if (phase === "Succeeded" || phase === "Failed")
        row.conditions = [
          { type: "Completed", status: "True", reason: phase, message: phase === "Succeeded" ? "The pod has completed successfully." : "The pod failed." },
        ];
      return row;
    }),
  };
}

/** Whether the Accept header asks for a Table (kubectl's human-readable output does). */
export function wantsTable(accept: string | undefined): boolean {
  return /as=Table/.test(accept ?? "") && /g=meta\.k8s\.io/.test(accept ?? "");
}

export function parseIncludeObject(raw: string | null): IncludeObject {
  return raw === "None" || raw === "Object" ? raw : "Metadata";
}
