import { Errors } from "./status.js";
import { podKey, type WirePod } from "./wire.js";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

/** One change, as kept for watches. `previous` lets a filtered watch turn a change into ADDED/DELETED. */
export interface StoreEvent {
  type: WatchEventType;
  rv: number;
  object: WirePod;
  previous?: WirePod;
}

/**
 * The pods, with one global resourceVersion bumped on every change (as etcd's revision) and a
 * bounded history of changes that watches resume from.
 */
export class PodStore {
  private rv = 1;
  private readonly pods = new Map<string, WirePod>();
  private history: StoreEvent[] = [];
  /** Watches may resume from any resourceVersion >= this one; older ones are compacted away. */
  private resumableFrom = 1;
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private readonly compactListeners = new Set<() => void>();

  constructor(private readonly historySize: number) {}

  get resourceVersion(): number {
    return this.rv;
  }

  get oldestResumable(): number {
    return this.resumableFrom;
  }

  get(namespace: string, name: string): WirePod | undefined {
    return this.pods.get(podKey(namespace, name));
  }

  /** Pods sorted by namespace then name (the order etcd's keys list them in). */
  list(namespace?: string): WirePod[] {
    return [...this.pods.entries()]
      .filter(([, p]) => namespace === undefined || p.metadata?.namespace === namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, p]) => p);
  }

  create(pod: WirePod): WirePod {
    const key = podKey(pod.metadata!.namespace!, pod.metadata!.name!);
    if (this.pods.has(key)) throw Errors.alreadyExists("pods", pod.metadata!.name!);
    const stored = this.stamp(pod);
    this.pods.set(key, stored);
    this.record({ type: "ADDED", rv: this.rv, object: stored });
    return stored;
  }

  /** Applies `change` to a copy; no event and no new resourceVersion when nothing changed. */
  update(namespace: string, name: string, change: (pod: WirePod) => void): WirePod {
    const current = this.get(namespace, name);
    if (!current) throw Errors.notFound("pods", name);
    const next = structuredClone(current);
    change(next);
    next.metadata!.resourceVersion = current.metadata!.resourceVersion;
    if (JSON.stringify(next) === JSON.stringify(current)) return current;
    const stored = this.stamp(next);
    this.pods.set(podKey(namespace, name), stored);
    this.record({ type: "MODIFIED", rv: this.rv, object: stored, previous: current });
    return stored;
  }

  remove(namespace: string, name: string): WirePod {
    const current = this.get(namespace, name);
    if (!current) throw Errors.notFound("pods", name);
    const stored = this.stamp(structuredClone(current));
    this.pods.delete(podKey(namespace, name));
    this.record({ type: "DELETED", rv: this.rv, object: stored, previous: current });
    return stored;
  }

  /** Events after `rv`, or undefined when some of them were compacted away. */
  eventsAfter(rv: number): StoreEvent[] | undefined {
    if (rv < this.resumableFrom) return undefined;
    return this.history.filter((e) => e.rv > rv);
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onCompact(listener: () => void): () => void {
    this.compactListeners.add(listener);
    return () => this.compactListeners.delete(listener);
  }

  /** Drops all history (as an etcd compaction does); open watches are told through onCompact. */
  compact(): void {
    this.history = [];
    this.resumableFrom = this.rv;
    for (const listener of [...this.compactListeners]) listener();
  }

  private stamp(pod: WirePod): WirePod {
    this.rv += 1;
    pod.metadata!.resourceVersion = String(this.rv);
    return pod;
  }

  private record(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > this.historySize) {
      const dropped = this.history.splice(0, this.history.length - this.historySize);
      this.resumableFrom = dropped[dropped.length - 1]!.rv;
    }
    for (const listener of [...this.listeners]) listener(event);
  }
}
