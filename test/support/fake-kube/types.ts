import type { V1Pod } from "@kubernetes/client-node";

/** Options of {@link startFakeKube}. */
export interface FakeKubeOptions {
  /** Port on 127.0.0.1. @defaultValue 0 (an ephemeral port) */
  port?: number;
  /** Base environment of pod processes; the container's `env` goes on top. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** Working directory of pod processes unless the container sets `workingDir`. @defaultValue process.cwd() */
  cwd?: string;
  /** Namespaces that exist; creating a pod elsewhere gives 404 NotFound. @defaultValue ["default"] */
  namespaces?: string[];
  /** Time a pod spends Pending/ContainerCreating before its process starts. @defaultValue 20 */
  startDelayMs?: number;
  /** How often watches opened with allowWatchBookmarks=true get a BOOKMARK. @defaultValue 1000 */
  bookmarkIntervalMs?: number;
  /** Watch events kept; a watch from an older resourceVersion gets 410 Expired. @defaultValue 1000 */
  historySize?: number;
  /** Time between ErrImagePull and ImagePullBackOff flips of an image-pull fault. @defaultValue 200 */
  imagePullBackoffMs?: number;
  /** Delay before a container of a restartPolicy OnFailure/Always pod is started again. @defaultValue 100 */
  restartDelayMs?: number;
}

/** The verbs a status fault can target (the apiserver's verb names). */
export type FakeKubeVerb = "create" | "delete" | "deletecollection" | "patch" | "update" | "get" | "list" | "watch";

export type FakeKubeFault =
  /**
   * The next `times` (default 1) requests with this verb on `resource` (default "pods") answer with
   * this code and a Status body; 429 and 503 carry Retry-After (default 1 s).
   */
  | {
      kind: "status";
      verb: FakeKubeVerb;
      code: 409 | 429 | 500 | 503;
      times?: number;
      retryAfterSeconds?: number;
      resource?: "pods" | "pods/log" | "pods/status";
    }
  /** Close every open watch connection now, mid-stream (no final event), as a broken connection does. */
  | { kind: "drop-watches" }
  /** Compact the watch history: open watches get an ERROR event with a 410 Status and end; resuming from an older resourceVersion gets 410. */
  | { kind: "expire-watches" }
  /** Kill the pod's processes; phase Failed, reason Evicted, DisruptionTarget condition (as the kubelet's eviction manager does). */
  | { kind: "evict"; pod: string; namespace?: string }
  /** DisruptionTarget condition (reason PreemptionByScheduler), then a graceful deletion, as the scheduler's preemption does. */
  | { kind: "preempt"; pod: string; namespace?: string }
  /** Pods created from now on with a container of this image stay Pending: ErrImagePull, then ImagePullBackOff, alternating. */
  | { kind: "image-pull"; image: string; times?: number }
  /** Pods created from now on with a container of this image stay Pending with PodScheduled=False, reason Unschedulable. */
  | { kind: "unschedulable"; image: string; times?: number }
  /** Pods created from now on with a container of this image stay Pending, waiting reason CreateContainerConfigError. */
  | { kind: "create-container-config-error"; image: string; times?: number };

export interface FakeKube {
  /** "http://127.0.0.1:PORT" */
  readonly url: string;
  /** Writes a kubeconfig (cluster, user with a dummy token, context) pointing at this server. */
  writeKubeconfig(file: string, opts?: { context?: string; namespace?: string }): Promise<void>;
  /** Faults: status faults are one-shot unless `times` says otherwise; image faults apply to the next `times` pods with that image (default: every pod). */
  inject(fault: FakeKubeFault): void;
  /** Forgets every pending fault. */
  clearFaults(): void;
  /** Snapshot of stored pods (deep copies, timestamps as Date as @kubernetes/client-node returns them). */
  pods(namespace?: string): V1Pod[];
  /** Count of API requests by "VERB resource" ("create pods", "watch pods", "list pods", "get pods/log", ...). */
  requestCounts(): Record<string, number>;
  /** The current global resourceVersion. */
  resourceVersion(): string;
  /** Closes watches, kills every pod process group, closes the server. */
  stop(): Promise<void>;
}
