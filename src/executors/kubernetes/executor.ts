import type { CoreV1Api, KubeConfig, V1Pod } from "@kubernetes/client-node";
import { errorLine } from "../../common/errors.js";
import { formatKey, keyString, tiString, type TaskInstanceKey } from "../../common/keys.js";
import type { EventInfo, Workload } from "../../common/workload.js";
import { BaseExecutor, type TaskLog } from "../base.js";
import type { ExecutorContext, TaskInstanceRef } from "../types.js";
import { apiFailure, coreApi, describeFailure, isRetryable, loadKubeConfig, MERGE_PATCH, type ApiFailure } from "./client.js";
import { executorSelector, keyOfAnnotations, LABEL, podNameFor, TOKEN_ANNOTATION } from "./labels.js";
import { compileKubernetesExecutorOptions, type CompiledKubernetesExecutorOptions } from "./options.js";
import { BASE_CONTAINER, buildPod } from "./pod-builder.js";
import { findResult } from "./pod-result.js";
import { judgePod, pendingWhy, type PodVerdict } from "./pod-state.js";
import { loadPodTemplate } from "./pod-template.js";
import { PodWatcher, type PodEventType } from "./pod-watcher.js";

/** How often the executor creates due pods and checks pending timeouts, whatever the scheduler's heartbeats. */
const PUMP_MS = 500;
/** First wait before a create is tried again; doubles per attempt, up to MAX_RETRY_MS. */
const RETRY_MS = 250;
const MAX_RETRY_MS = 10_000;
/** Lines of a finished pod's log read for its result line. */
const RESULT_TAIL_LINES = 20;
/** How long without a list or watch event (bookmarks included) before the executor stops vouching for its pods. */
const CONTACT_TIMEOUT_MS = 120_000;

type CreateState = "waiting" | "creating" | "created";

interface Tracked {
  readonly key: TaskInstanceKey;
  readonly token: string;
  readonly podName: string;
  /** The pod to create; null once created (or for an adopted pod). */
  pod: V1Pod | null;
  state: CreateState;
  attempts: number;
  firstAttemptAt: number;
  nextAttemptAt: number;
  lastFailure: string | null;
  creating: Promise<void> | null;
  /** When the create succeeded (or the pod was adopted): the start of pending_timeout. */
  createdAt: number;
  reportedRunning: boolean;
  /** Its end is being reported (log read in flight): later events about the pod change nothing. */
  ending: boolean;
}

/**
 * Runs each try in a pod of its own (Airflow's KubernetesExecutor): the pod runs `switchyard tasks
 * run … --workload <json>` (src/worker/pod-try.ts) and never opens the metadata database. Pods are
 * created in batches of `creation_batch_size` per heartbeat, retried with backoff on 409/429/5xx;
 * one list-and-watch (PodWatcher) follows every pod of this executor and turns phases into events.
 * Tries outlive the scheduler: a new one adopts the pods by name and label. See docs/executors/kubernetes.md.
 */
export class KubernetesExecutor extends BaseExecutor {
  override readonly triesOutliveScheduler = true;
  override readonly supportsPickling = false;

  readonly options: CompiledKubernetesExecutorOptions;
  readonly #tracked = new Map<string, Tracked>();
  /** Evictions so far per task instance (all tries), against max_eviction_retries. Kept in memory: a restarted scheduler starts over. */
  readonly #evictions = new Map<string, number>();
  #template: Record<string, unknown> | null | undefined;
  #kc: KubeConfig | null = null;
  #api: CoreV1Api | null = null;
  #watcher: PodWatcher | null = null;
  #timer: NodeJS.Timeout | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();
  /** API requests this executor made, by "verb resource" (the watcher's lists and watches excluded), for the benchmark and debugDump. */
  readonly requests: Record<string, number> = {};

  constructor(context: ExecutorContext) {
    const options = compileKubernetesExecutorOptions(context.options, { executor: context.name.name, defaultParallelism: context.defaultParallelism, home: context.home });
    super(context, options.parallelism);
    this.options = options;
  }

  /** The pod template, read once (a broken one fails each try with its message, and nothing is sent). */
  #podTemplate(): Record<string, unknown> | null {
    if (this.#template === undefined) this.#template = this.options.podTemplateFile === null ? null : loadPodTemplate(this.options.podTemplateFile, this.name.name);
    return this.#template;
  }

  /** The pod a workload's try gets: pure, no API call (also `switchyard kubernetes generate-pod`). */
  buildPod(workload: Workload): V1Pod {
    return buildPod(workload, {
      executor: this.name.name,
      namespace: this.options.namespace,
      image: this.options.image,
      template: this.#podTemplate(),
      schedulerJob: this.jobId,
    });
  }

  #client(): CoreV1Api {
    if (this.#api === null) {
      this.#kc = loadKubeConfig(this.options);
      this.#api = coreApi(this.#kc);
    }
    return this.#api;
  }

  override start(): void {
    const api = this.#client();
    if (this.#watcher === null) {
      this.#watcher = new PodWatcher(
        this.#kc!,
        api,
        { namespace: this.options.namespace, labelSelector: executorSelector(this.name.name) },
        { onPod: (type, pod) => this.#onPod(type, pod), onList: (pods, at) => this.#onList(pods, at) },
        this.logger,
      );
    }
    this.#watcher.start();
    clearInterval(this.#timer);
    this.#timer = setInterval(() => this.#pump(), PUMP_MS);
    this.#timer.unref();
  }

  override externalIdFor(workload: Workload): string {
    return podNameFor(workload.key);
  }

  protected executeAsync(workload: Workload): void {
    if (this.#watcher === null) throw new Error(`executor "${this.name.name}" is not started`);
    // A bad template or podOverride throws here: the base class fails this try with the message, and nothing is sent.
    const pod = this.buildPod(workload);
    const now = Date.now();
    this.#tracked.set(keyString(workload.key), {
      key: workload.key,
      token: workload.token,
      podName: pod.metadata!.name!,
      pod,
      state: "waiting",
      attempts: 0,
      firstAttemptAt: now,
      nextAttemptAt: now,
      lastFailure: null,
      creating: null,
      createdAt: 0,
      reportedRunning: false,
      ending: false,
    });
  }

  /** Create up to creation_batch_size due pods (not awaited: a slow API server does not hold the scheduler's loop). */
  sync(): void {
    this.#createDue();
  }

  #pump(): void {
    this.#createDue();
    this.#checkPendingTimeouts();
  }

  #createDue(): void {
    if (this.#api === null) return;
    const now = Date.now();
    let budget = this.options.creationBatchSize;
    for (const entry of this.#tracked.values()) {
      if (budget <= 0) break;
      if (entry.state !== "waiting" || entry.nextAttemptAt > now) continue;
      budget--;
      this.#track(this.#create(entry));
    }
  }

  #track(p: Promise<unknown>): void {
    this.#inFlight.add(p);
    void p.finally(() => this.#inFlight.delete(p));
  }

  #count(what: string): void {
    this.requests[what] = (this.requests[what] ?? 0) + 1;
  }

  async #create(entry: Tracked): Promise<void> {
    entry.state = "creating";
    entry.attempts++;
    const run = (async () => {
      try {
        this.#count("create pods");
        await this.#api!.createNamespacedPod({ namespace: this.options.namespace, body: entry.pod! });
        this.#created(entry);
      } catch (error) {
        const f = apiFailure(error);
        if (f.status === 409 && (await this.#isOurs(entry))) return this.#created(entry);
        this.#createFailed(entry, f);
      }
    })();
    entry.creating = run;
    await run;
    entry.creating = null;
  }

  #created(entry: Tracked): void {
    if (this.#tracked.get(keyString(entry.key)) !== entry) return; // revoked meanwhile: revokeTask deletes the pod
    entry.state = "created";
    entry.createdAt = Date.now();
    entry.pod = null;
  }

  /** After a 409: whether the pod of that name is this try's (a create whose reply was lost), read once. */
  async #isOurs(entry: Tracked): Promise<boolean> {
    try {
      this.#count("get pods");
      const pod = await this.#api!.readNamespacedPod({ name: entry.podName, namespace: this.options.namespace });
      return pod.metadata?.annotations?.[TOKEN_ANNOTATION] === entry.token;
    } catch {
      return false;
    }
  }

  #createFailed(entry: Tracked, f: ApiFailure): void {
    if (this.#tracked.get(keyString(entry.key)) !== entry) return;
    const why = describeFailure(f);
    if (!isRetryable(f)) {
      this.#tracked.delete(keyString(entry.key));
      this.fail(entry.key, { error: `could not create pod ${entry.podName}: ${why}`, externalExecutorId: entry.podName, endDate: Date.now() });
      return;
    }
    const now = Date.now();
    if (now - entry.firstAttemptAt >= this.options.pendingTimeoutMs) {
      this.#tracked.delete(keyString(entry.key));
      this.fail(entry.key, {
        error: `could not create pod ${entry.podName} in ${Math.round(this.options.pendingTimeoutMs / 1000)} s (pending_timeout), ${entry.attempts} attempts; last: ${why}`,
        externalExecutorId: entry.podName,
        endDate: now,
      });
      return;
    }
    const backoff = Math.min(MAX_RETRY_MS, RETRY_MS * 2 ** (entry.attempts - 1));
    const wait = f.retryAfterMs ?? backoff * (0.75 + Math.random() * 0.5);
    entry.lastFailure = why;
    entry.state = "waiting";
    entry.nextAttemptAt = now + wait;
    this.logger.info(`pod ${entry.podName}: create failed (${why}); attempt ${entry.attempts + 1} in ${Math.round(wait)} ms`);
  }

  #checkPendingTimeouts(): void {
    const now = Date.now();
    for (const entry of this.#tracked.values()) {
      if (entry.state !== "created" || entry.reportedRunning || entry.ending || now - entry.createdAt < this.options.pendingTimeoutMs) continue;
      const pod = this.#watcher?.lastSeen.get(entry.podName);
      const why = pod === undefined ? "no status seen" : pendingWhy(pod);
      this.#end(entry, {
        kind: "fail",
        error: `pod ${entry.podName} was Pending for more than ${Math.round(this.options.pendingTimeoutMs / 1000)} s (pending_timeout): ${why}; deleted`,
        deletePod: true,
      });
    }
  }

  /** One pod changed (watch event). */
  #onPod(type: PodEventType, pod: V1Pod): void {
    const entry = this.#entryOf(pod);
    if (entry !== null) this.#judge(entry, pod, type === "DELETED");
    if (type === "DELETED" && pod.metadata?.name !== undefined) this.#watcher?.lastSeen.delete(pod.metadata.name);
  }

  /** A full list: judge every listed pod, and count tracked pods missing from it as deleted. */
  #onList(pods: readonly V1Pod[], requestedAt: number): void {
    const listed = new Set<string>();
    const before = new Map(this.#watcher?.lastSeen ?? []);
    this.#watcher?.lastSeen.clear();
    for (const pod of pods) {
      const entry = this.#entryOf(pod);
      if (entry === null) continue;
      listed.add(entry.podName);
      this.#judge(entry, pod, false);
    }
    for (const entry of [...this.#tracked.values()]) {
      if (entry.state !== "created" || entry.ending || listed.has(entry.podName) || entry.createdAt >= requestedAt) continue;
      const gone: V1Pod = before.get(entry.podName) ?? { metadata: { name: entry.podName } };
      this.#judge(entry, gone, true);
    }
  }

  /** The tracked try a pod belongs to (by its annotations and token), or null. */
  #entryOf(pod: V1Pod): Tracked | null {
    const name = pod.metadata?.name;
    if (name !== undefined) this.#watcher?.lastSeen.set(name, pod);
    const key = keyOfAnnotations(pod.metadata?.annotations);
    if (key === null) return null;
    const entry = this.#tracked.get(keyString(key));
    if (entry === undefined || entry.podName !== name || pod.metadata?.annotations?.[TOKEN_ANNOTATION] !== entry.token) return null;
    // A pod seen in the API exists, even if the create's reply has not come back yet.
    if (entry.state !== "created") {
      entry.state = "created";
      entry.createdAt = Date.now();
      entry.pod = null;
    }
    return entry;
  }

  #judge(entry: Tracked, pod: V1Pod, deleted: boolean): void {
    if (entry.ending) return;
    const verdict: PodVerdict = judgePod(pod, this.options.fatalPendingReasons, deleted);
    const started = (at: number | null): EventInfo => ({ hostname: entry.podName, externalExecutorId: entry.podName, ...(at !== null ? { startDate: at } : {}) });
    switch (verdict.kind) {
      case "pending":
        return;
      case "running":
        if (!entry.reportedRunning) {
          entry.reportedRunning = true;
          this.runningState(entry.key, started(verdict.startedAt));
        }
        return;
      case "succeeded":
        if (!entry.reportedRunning) {
          entry.reportedRunning = true;
          this.runningState(entry.key, started(verdict.startedAt));
        }
        this.#end(entry, { kind: "success", info: { ...started(verdict.startedAt), ...(verdict.finishedAt !== null ? { endDate: verdict.finishedAt } : {}) } });
        return;
      case "failed": {
        const message = terminationMessage(pod);
        const result = findResult(message);
        const error = result?.info.error ?? `pod ${entry.podName} failed: ${verdict.reason}${verdict.message !== null ? `: ${verdict.message}` : ""}`;
        this.#end(entry, {
          kind: "fail",
          error,
          info: { ...started(verdict.startedAt), ...(result?.info ?? {}), ...(verdict.finishedAt !== null ? { endDate: verdict.finishedAt } : {}) },
          deletePod: !deleted && this.options.deletePods === "always",
        });
        return;
      }
      case "fatal-pending":
        this.#end(entry, { kind: "fail", error: `pod ${entry.podName} cannot start: ${verdict.reason}; deleted`, deletePod: true });
        return;
      case "evicted":
        this.#evicted(entry, verdict.reason, !deleted);
        return;
    }
  }

  /** Evicted or preempted: run again without using a retry (triesLost), at most max_eviction_retries times per task instance. */
  #evicted(entry: Tracked, reason: string, podExists: boolean): void {
    const ti = tiString(entry.key);
    const count = (this.#evictions.get(ti) ?? 0) + 1;
    this.#evictions.set(ti, count);
    if (count > this.options.maxEvictionRetries) {
      this.#end(entry, {
        kind: "fail",
        error: `${reason}; evicted ${count} times, more than max_eviction_retries = ${this.options.maxEvictionRetries}`,
        deletePod: podExists && this.options.deletePods === "always",
      });
      return;
    }
    entry.ending = true;
    this.logger.warn(`${formatKey(entry.key)}: ${reason}; running it again (eviction ${count} of at most ${this.options.maxEvictionRetries}, not counted against retries)`);
    this.#tracked.delete(keyString(entry.key));
    if (podExists && this.options.deletePods === "always") this.#deletePod(entry.podName);
    this.triesLost([entry.key], `${reason} (eviction ${count} of at most ${this.options.maxEvictionRetries})`);
  }

  /**
   * Report a try's end. A success first reads the pod log's last lines for the result line (the
   * fn task's return value, the runner's pid and times): one request per try, in place of a
   * database connection in the pod.
   */
  #end(entry: Tracked, end: { kind: "success"; info: EventInfo } | { kind: "fail"; error: string; info?: EventInfo; deletePod: boolean }): void {
    entry.ending = true;
    if (end.kind === "fail") {
      this.#tracked.delete(keyString(entry.key));
      this.fail(entry.key, { ...(end.info ?? { hostname: entry.podName }), externalExecutorId: entry.podName, error: end.error, endDate: end.info?.endDate ?? Date.now() });
      if (end.deletePod) this.#deletePod(entry.podName);
      return;
    }
    this.#track(
      (async () => {
        let info: EventInfo = end.info;
        const log = await this.#readLog(entry.podName, RESULT_TAIL_LINES);
        const result = log.ok ? findResult(log.text) : null;
        if (result !== null) info = { ...info, ...result.info, externalExecutorId: entry.podName };
        else this.logger.warn(`pod ${entry.podName} succeeded but its result line could not be read (${log.ok ? "not in its log" : log.why}); no return value`);
        if (this.#tracked.get(keyString(entry.key)) !== entry) return; // released or revoked meanwhile
        this.#tracked.delete(keyString(entry.key));
        this.success(entry.key, info);
        if (this.options.deletePods !== "never") this.#deletePod(entry.podName);
      })(),
    );
  }

  async #readLog(name: string, tailLines?: number): Promise<{ ok: true; text: string } | { ok: false; status: number | null; why: string }> {
    try {
      this.#count("get pods/log");
      const text = await this.#client().readNamespacedPodLog({ name, namespace: this.options.namespace, container: BASE_CONTAINER, ...(tailLines !== undefined ? { tailLines } : {}) });
      return { ok: true, text };
    } catch (error) {
      const f = apiFailure(error);
      return { ok: false, status: f.status, why: describeFailure(f) };
    }
  }

  #deletePod(name: string): void {
    if (this.#api === null) return;
    this.#count("delete pods");
    this.#track(
      this.#api.deleteNamespacedPod({ name, namespace: this.options.namespace }).catch((error: unknown) => {
        const f = apiFailure(error);
        if (f.status !== 404) this.logger.warn(`could not delete pod ${name}: ${describeFailure(f)}`);
      }),
    );
  }

  protected override untrack(key: TaskInstanceKey): void {
    super.untrack(key);
    this.#tracked.delete(keyString(key));
  }

  /** Pods this executor vouches for: every tracked try while the watch has heard from the API server recently. */
  override liveTries(): TaskInstanceKey[] {
    if (this.#watcher === null || Date.now() - this.#watcher.lastContact > CONTACT_TIMEOUT_MS) return [];
    return super.liveTries();
  }

  /**
   * Adopt a dead scheduler's pods: one list of this executor's pods; each TI whose pod (its
   * external id, or the name its key gives) is there is adopted, re-labelled with this scheduler's
   * job, and judged at once (a finished pod reports its result; a running one is left to run).
   * A TI without a pod is returned, for the scheduler to reset.
   */
  override async tryAdoptTaskInstances(tis: TaskInstanceRef[]): Promise<TaskInstanceRef[]> {
    if (tis.length === 0) return [];
    if (this.#watcher === null) this.start();
    let pods: V1Pod[];
    try {
      this.#count("list pods");
      pods = (await this.#api!.listNamespacedPod({ namespace: this.options.namespace, labelSelector: executorSelector(this.name.name) })).items;
    } catch (error) {
      // Not knowing which pods still run is no reason to run them again: the scheduler retries later.
      throw new Error(`could not list pods for adoption: ${describeFailure(apiFailure(error))}`);
    }
    const byName = new Map(pods.map((p) => [p.metadata?.name ?? "", p]));
    const notAdopted: TaskInstanceRef[] = [];
    const adopted: Array<{ entry: Tracked; pod: V1Pod }> = [];
    for (const ti of tis) {
      const name = ti.externalExecutorId ?? podNameFor(ti.key);
      const pod = byName.get(name);
      const key = keyOfAnnotations(pod?.metadata?.annotations);
      const token = pod?.metadata?.annotations?.[TOKEN_ANNOTATION];
      if (pod === undefined || key === null || keyString(key) !== keyString(ti.key) || token === undefined || pod.metadata?.deletionTimestamp !== undefined) {
        notAdopted.push(ti);
        continue;
      }
      const entry: Tracked = {
        key: ti.key,
        token,
        podName: name,
        pod: null,
        state: "created",
        attempts: 0,
        firstAttemptAt: Date.now(),
        nextAttemptAt: 0,
        lastFailure: null,
        creating: null,
        createdAt: Date.now(),
        reportedRunning: ti.state === "running",
        ending: false,
      };
      this.#tracked.set(keyString(ti.key), entry);
      this.trackAdopted(ti.key, token);
      adopted.push({ entry, pod });
    }
    for (const { entry, pod } of adopted) {
      if (this.jobId !== null) {
        try {
          this.#count("patch pods");
          await this.#api!.patchNamespacedPod({ name: entry.podName, namespace: this.options.namespace, body: { metadata: { labels: { [LABEL.schedulerJob]: String(this.jobId) } } } }, MERGE_PATCH);
        } catch (error) {
          this.logger.warn(`adopted pod ${entry.podName}, but could not re-label it: ${describeFailure(apiFailure(error))}`);
        }
      }
      this.#judge(entry, pod, false);
    }
    return notAdopted;
  }

  /** Forget the try and delete its pod (a create in flight is awaited first, so its pod is deleted too). */
  override async revokeTask(ti: TaskInstanceRef, reason?: string): Promise<void> {
    const entry = this.#tracked.get(keyString(ti.key));
    await super.revokeTask(ti, reason);
    if (entry === undefined) return;
    await entry.creating;
    if (entry.state === "waiting") return; // never sent
    this.#deletePod(entry.podName);
  }

  /** Lease loss or a stop: forget every try, leave the pods running for the next scheduler to adopt. */
  override releaseAll(): void {
    void super.releaseAll();
    this.#tracked.clear();
  }

  /** After end() or terminate(): the pods are left running for the next scheduler to adopt. */
  protected override async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#watcher?.stop();
    await Promise.allSettled([...this.#inFlight]);
  }

  /** The pod's log (live while it runs); says so when the pod is gone. */
  override async getTaskLog(ti: TaskInstanceRef, tryNumber: number): Promise<TaskLog> {
    const name = ti.externalExecutorId !== null && tryNumber === ti.key.tryNumber ? ti.externalExecutorId : podNameFor({ ...ti.key, tryNumber });
    let log: { ok: true; text: string } | { ok: false; status: number | null; why: string };
    try {
      log = await this.#readLog(name);
    } catch (error) {
      // No kubeconfig to read it with (e.g. `tasks logs` on a machine without one).
      return { messages: [`could not read the log of pod ${name}: ${errorLine(error)}`], lines: [] };
    }
    if (!log.ok) {
      const gone =
        log.status === 404
          ? `pod ${name} is gone from namespace ${this.options.namespace} (delete_pods = ${this.options.deletePods}), and its log with it; keep pods with delete_pods = "on_success" or "never", or ship logs from the cluster`
          : `could not read the log of pod ${name}: ${log.why}`;
      return { messages: [gone], lines: [] };
    }
    const lines = log.text.split("\n");
    if (lines.at(-1) === "") lines.pop();
    return { messages: [`from pod ${name} in namespace ${this.options.namespace}`], lines };
  }

  override debugDump(): Record<string, unknown> {
    return {
      ...super.debugDump(),
      namespace: this.options.namespace,
      pods: [...this.#tracked.values()].map((e) => ({ pod: e.podName, state: e.state, attempts: e.attempts, running: e.reportedRunning, lastFailure: e.lastFailure })),
      watch: this.#watcher?.stats ?? null,
      requests: { ...this.requests },
    };
  }
}

/** The base container's termination message (the pod's last log lines, FallbackToLogsOnError). */
function terminationMessage(pod: V1Pod): string | undefined {
  const statuses = pod.status?.containerStatuses ?? [];
  return (statuses.find((c) => c.name === BASE_CONTAINER) ?? statuses[0])?.state?.terminated?.message;
}
