import { Watch, type CoreV1Api, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { apiFailure, describeFailure } from "./client.js";
import type { ExecutorLogger } from "../types.js";

export type PodEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface PodWatcherHandlers {
  /** A change to one pod, in the order the API server reported them. */
  onPod(type: PodEventType, pod: V1Pod): void;
  /**
   * A full list of the pods (at start, after a 410 or an error, and every `resyncMs`): what changed
   * while nobody watched, including pods deleted meanwhile (absent from it). `requestedAt`: when
   * the list was asked for (a pod created after that may be missing from it).
   */
  onList(pods: readonly V1Pod[], requestedAt: number): void;
}

export interface PodWatcherOptions {
  readonly namespace: string;
  readonly labelSelector: string;
  /** How often to list everything even though the watch runs: a backstop for anything a watch could miss. @defaultValue 60_000 */
  readonly resyncMs?: number;
  /** First wait after a failure; doubles up to `maxBackoffMs`. @defaultValue 200 */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
}

/**
 * One list-then-watch loop over the executor's pods (what client-node's informer does, but it
 * stops for good on any error other than 410, and says nothing when a list fails). Here every end
 * of a watch is followed by a new one: resumed from the last resourceVersion after a dropped
 * connection, after a new list on 410 Gone (history compacted) or an ERROR event, with backoff when
 * the API server fails, each logged, until `stop()`.
 */
export class PodWatcher {
  readonly #kc: KubeConfig;
  readonly #api: CoreV1Api;
  readonly #o: Required<PodWatcherOptions>;
  readonly #h: PodWatcherHandlers;
  readonly #log: ExecutorLogger;
  #resourceVersion: string | null = null;
  #stopped = true;
  #abort: AbortController | null = null;
  #loop: Promise<void> | null = null;
  #wakeSleep: (() => void) | null = null;
  #resyncTimer: NodeJS.Timeout | undefined;
  /** Counters, for debugDump and tests. */
  readonly stats = { lists: 0, watches: 0, expired: 0, dropped: 0, failures: 0 };
  /** The last state seen of each pod, by name (pending_timeout messages, pods deleted while nobody watched). */
  readonly lastSeen = new Map<string, V1Pod>();
  /** When a list or a watch last succeeded (epoch ms): liveTries vouches only while this is recent. */
  lastContact = 0;

  constructor(kc: KubeConfig, api: CoreV1Api, options: PodWatcherOptions, handlers: PodWatcherHandlers, logger: ExecutorLogger) {
    this.#kc = kc;
    this.#api = api;
    this.#o = { resyncMs: 60_000, backoffMs: 200, maxBackoffMs: 10_000, ...options };
    this.#h = handlers;
    this.#log = logger;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#loop = this.#run();
    this.#resyncTimer = setInterval(() => this.resync(), this.#o.resyncMs);
    this.#resyncTimer.unref();
  }

  /** List again now (the watch goes on from the list's resourceVersion). */
  resync(): void {
    this.#resourceVersion = null;
    this.#abort?.abort();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#resyncTimer);
    this.#abort?.abort();
    this.#wakeSleep?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    let backoff = this.#o.backoffMs;
    const failed = async (what: string) => {
      this.stats.failures++;
      this.#log.warn(`pod watch: ${what}; trying again in ${backoff} ms`);
      await this.#sleep(backoff);
      backoff = Math.min(this.#o.maxBackoffMs, backoff * 2);
    };
    while (!this.#stopped) {
      if (this.#resourceVersion === null) {
        const requestedAt = Date.now();
        try {
          const list = await this.#api.listNamespacedPod({ namespace: this.#o.namespace, labelSelector: this.#o.labelSelector });
          this.stats.lists++;
          this.lastContact = Date.now();
          this.#resourceVersion = list.metadata?.resourceVersion ?? "";
          backoff = this.#o.backoffMs;
          this.#h.onList(list.items, requestedAt);
        } catch (error) {
          await failed(`listing pods failed: ${describeFailure(apiFailure(error))}`);
          continue;
        }
      }
      const ended = await this.#watchOnce();
      if (this.#stopped) return;
      if (ended.kind === "expired") {
        this.stats.expired++;
        this.#log.info(`pod watch: ${ended.why}; listing again`);
        this.#resourceVersion = null;
        backoff = this.#o.backoffMs;
      } else if (ended.kind === "error") {
        this.#resourceVersion = null;
        await failed(ended.why);
      } else {
        // A dropped connection: resume from the last resourceVersion at once, unless it saw nothing at all.
        this.stats.dropped++;
        this.#log.debug(`pod watch: connection closed after ${ended.events} events; resuming from resourceVersion ${this.#resourceVersion}`);
        if (ended.events > 0) backoff = this.#o.backoffMs;
        else await this.#sleep(Math.min(backoff, 1_000));
      }
    }
  }

  /** One watch request, until it ends: how it ended. */
  #watchOnce(): Promise<{ kind: "closed"; events: number } | { kind: "expired"; why: string } | { kind: "error"; why: string }> {
    return new Promise((resolve) => {
      let events = 0;
      let finished = false;
      let verdict: { kind: "expired"; why: string } | { kind: "error"; why: string } | null = null;
      const path = `/api/v1/namespaces/${encodeURIComponent(this.#o.namespace)}/pods`;
      const query = { resourceVersion: this.#resourceVersion ?? "", labelSelector: this.#o.labelSelector, allowWatchBookmarks: true, timeoutSeconds: 300 };
      this.stats.watches++;
      new Watch(this.#kc)
        .watch(
          path,
          query,
          (type: string, obj: unknown) => {
            events++;
            this.lastContact = Date.now();
            const o = obj as V1Pod & { code?: number; message?: string; reason?: string };
            if (type === "ERROR") {
              const why = `the API server ended the watch: ${o.code ?? "?"} ${o.reason ?? ""}: ${o.message ?? ""}`.replace(/\s+/g, " ");
              verdict = o.code === 410 ? { kind: "expired", why } : { kind: "error", why };
              this.#abort?.abort();
              return;
            }
            const rv = o.metadata?.resourceVersion;
            if (rv !== undefined) this.#resourceVersion = rv;
            if (type === "ADDED" || type === "MODIFIED" || type === "DELETED") {
              try {
                this.#h.onPod(type, o);
              } catch (error) {
                this.#log.error(`pod watch: handling ${type} of ${o.metadata?.name}: ${String(error)}`);
              }
            }
          },
          (err: unknown) => {
            finished = true;
            this.#abort = null;
            if (verdict !== null) return resolve(verdict);
            if (err === null || err === undefined || (err as { name?: string }).name === "AbortError") return resolve({ kind: "closed", events });
            // node-fetch's word for a connection the server (or the network) closed mid-stream: a drop, not an error.
            if ((err as { code?: string }).code === "ERR_STREAM_PREMATURE_CLOSE" || (err as { message?: string }).message === "Premature close") {
              return resolve({ kind: "closed", events });
            }
            const f = apiFailure(err);
            const code = (err as { statusCode?: number }).statusCode ?? f.status;
            if (code === 410) return resolve({ kind: "expired", why: "410 Gone: resourceVersion too old" });
            resolve({ kind: "error", why: `watching pods failed: ${code !== null && code !== undefined ? `${code} ` : ""}${f.message}` });
          },
        )
        .then(
          (controller) => {
            // The done callback may already have run (a refused request): then there is nothing to abort.
            if (finished) return;
            if (this.#stopped) controller.abort();
            else this.#abort = controller;
          },
          (error: unknown) => resolve({ kind: "error", why: `watching pods failed: ${String(error)}` }),
        );
    });
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      this.#wakeSleep = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}
