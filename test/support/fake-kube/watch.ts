import type { ServerResponse } from "node:http";
import type { PodPredicate } from "./selectors.js";
import { Errors } from "./status.js";
import type { PodStore, StoreEvent, WatchEventType } from "./store.js";
import { podTable, type IncludeObject } from "./table.js";
import type { WirePod } from "./wire.js";

export interface WatchRequest {
  namespace?: string;
  matches: PodPredicate;
  /** The resourceVersion query parameter ("" when absent). */
  resourceVersion: string;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutSeconds?: number;
  table?: { include: IncludeObject };
}

/** An open watch stream, so that faults and stop() can reach it. */
export interface OpenWatch {
  /** Ends the stream with an ERROR event carrying a 410 Expired Status (history was compacted). */
  expire(): void;
  /** Cuts the connection mid-stream, as a broken network does. */
  drop(): void;
  /** Ends the stream cleanly. */
  close(): void;
}

function parseResourceVersion(raw: string): number | undefined {
  if (raw === "" || raw === "0") return undefined;
  if (!/^\d+$/.test(raw)) throw Errors.badRequest(`invalid resource version: ${JSON.stringify(raw)}`);
  return Number(raw);
}

/**
 * Serves `?watch=true` as the apiserver does: newline-delimited JSON events on one chunked
 * response. From "" or "0": the current state as ADDED events, then changes. From N: every change
 * after N, or (as the watch cache answers) an ERROR event with a 410 Expired Status when N is older
 * than the kept history.
 */
export function serveWatch(
  res: ServerResponse,
  store: PodStore,
  watch: WatchRequest,
  options: { bookmarkIntervalMs: number; register: (w: OpenWatch) => () => void },
): void {
  const from = parseResourceVersion(watch.resourceVersion);
  res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked", "Cache-Control": "no-cache, private" });
  res.flushHeaders();
  const inNamespace = (pod: WirePod) => watch.namespace === undefined || pod.metadata?.namespace === watch.namespace;
  const matches = (pod: WirePod | undefined) => pod !== undefined && inNamespace(pod) && watch.matches(pod);
  let headersSent = false;
  const send = (type: WatchEventType | "BOOKMARK" | "ERROR", object: unknown): void => {
    let body = object;
    if (watch.table && (type === "ADDED" || type === "MODIFIED" || type === "DELETED")) {
      body = podTable([object as WirePod], { include: watch.table.include, resourceVersion: "", noHeaders: headersSent });
      headersSent = true;
    }
    // A client that went away is noticed through "close"; until then, writes go nowhere.
    if (!res.destroyed && !res.writableEnded) res.write(JSON.stringify({ type, object: body }) + "\n");
  };
  /** A change seen through the selector: leaving it is a DELETED, entering it an ADDED. */
  const deliver = (event: StoreEvent): void => {
    const now = matches(event.object);
    const before = event.type === "MODIFIED" ? matches(event.previous) : false;
    if (event.type === "ADDED" && now) send("ADDED", event.object);
    else if (event.type === "DELETED" && now) send("DELETED", event.object);
    else if (event.type === "MODIFIED") {
      if (now && before) send("MODIFIED", event.object);
      else if (now) send("ADDED", event.object);
      else if (before) send("DELETED", event.object);
    }
  };

  let finished = false;
  const cleanups: (() => void)[] = [];
  const finish = (how: "end" | "destroy"): void => {
    if (finished) return;
    finished = true;
    for (const c of cleanups) c();
    if (how === "destroy") res.destroy();
    else res.end();
  };
  const expire = (): void => {
    if (finished) return;
    send("ERROR", Errors.expired(from ?? store.resourceVersion, store.oldestResumable).status);
    finish("end");
  };

  if (from !== undefined) {
    const missed = store.eventsAfter(from);
    if (missed === undefined) {
      send("ERROR", Errors.expired(from, store.oldestResumable).status);
      finish("end");
      return;
    }
    for (const event of missed) deliver(event);
  } else {
    for (const pod of store.list(watch.namespace)) if (watch.matches(pod)) send("ADDED", pod);
    if (watch.sendInitialEvents && watch.allowBookmarks)
      send("BOOKMARK", { kind: "Pod", apiVersion: "v1", metadata: { resourceVersion: String(store.resourceVersion), annotations: { "k8s.io/initial-events-end": "true" } } });
  }
  cleanups.push(store.subscribe(deliver));
  cleanups.push(store.onCompact(expire));
  cleanups.push(options.register({ expire, drop: () => finish("destroy"), close: () => finish("end") }));
  if (watch.allowBookmarks) {
    const timer = setInterval(() => send("BOOKMARK", { kind: "Pod", apiVersion: "v1", metadata: { resourceVersion: String(store.resourceVersion) } }), options.bookmarkIntervalMs);
    cleanups.push(() => clearInterval(timer));
  }
  if (watch.timeoutSeconds !== undefined) {
    const timer = setTimeout(() => finish("end"), watch.timeoutSeconds * 1000);
    cleanups.push(() => clearTimeout(timer));
  }
  res.on("close", () => finish("end"));
}
