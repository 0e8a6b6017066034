import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { V1Pod } from "@kubernetes/client-node";
import { ObjectSerializer } from "@kubernetes/client-node/dist/gen/models/ObjectSerializer.js";
import { apiGroupList, apiVersions, coreV1Resources, namespaceObject, versionInfo } from "./discovery.js";
import { FaultRegistry } from "./faults.js";
import { readJsonBody, sendError, sendJson } from "./http.js";
import { Kubelet } from "./kubelet.js";
import { writeKubeconfig } from "./kubeconfig.js";
import { createPod, deletePod, deletePods, getPod, listPods, nameInBody, patchPod, podLog, replacePod, watchPods, type PodsContext } from "./pods-api.js";
import { Errors, toApiError } from "./status.js";
import { PodStore } from "./store.js";
import type { FakeKube, FakeKubeFault, FakeKubeOptions, FakeKubeVerb } from "./types.js";
import type { OpenWatch } from "./watch.js";
import { nowTime, type Json } from "./wire.js";

interface CompiledOptions {
  port: number;
  env: NodeJS.ProcessEnv;
  cwd: string;
  namespaces: string[];
  startDelayMs: number;
  bookmarkIntervalMs: number;
  historySize: number;
  imagePullBackoffMs: number;
  restartDelayMs: number;
}

function nonNegativeInt(name: string, value: number | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new Error(`fake-kube: ${name} must be an integer >= ${min}, got ${String(value)}`);
  return value;
}

function compileOptions(options: FakeKubeOptions): CompiledOptions {
  const port = nonNegativeInt("port", options.port, 0);
  if (port > 65535) throw new Error(`fake-kube: port must be 0..65535, got ${port}`);
  return {
    port,
    env: options.env ?? process.env,
    cwd: options.cwd ?? process.cwd(),
    namespaces: options.namespaces ?? ["default"],
    startDelayMs: nonNegativeInt("startDelayMs", options.startDelayMs, 20),
    bookmarkIntervalMs: nonNegativeInt("bookmarkIntervalMs", options.bookmarkIntervalMs, 1000, 1),
    historySize: nonNegativeInt("historySize", options.historySize, 1000, 1),
    imagePullBackoffMs: nonNegativeInt("imagePullBackoffMs", options.imagePullBackoffMs, 200, 1),
    restartDelayMs: nonNegativeInt("restartDelayMs", options.restartDelayMs, 100),
  };
}

/** A request's target, in the apiserver's terms. */
interface Target {
  verb: FakeKubeVerb | "discovery";
  resource: string;
  namespace?: string;
  name?: string;
}

const NAMESPACED = /^\/api\/v1\/(watch\/)?namespaces\/([^/]+)\/pods(?:\/([^/]+)(?:\/(log|status))?)?$/;
const ALL_PODS = /^\/api\/v1\/(watch\/)?pods$/;
const NAMESPACES = /^\/api\/v1\/namespaces(?:\/([^/]+))?$/;

function resolve(method: string, path: string, params: URLSearchParams): Target | undefined {
  const watchParam = params.get("watch") === "true" || params.get("watch") === "1";
  let m: RegExpExecArray | null;
  if ((m = NAMESPACED.exec(path)) || (m = ALL_PODS.exec(path))) {
    const legacyWatch = m[1] !== undefined;
    const namespace = m[2] !== undefined && NAMESPACED.test(path) ? decodeURIComponent(m[2]) : undefined;
    const name = m[3] !== undefined ? decodeURIComponent(m[3]) : undefined;
    const sub = m[4];
    const resource = sub ? `pods/${sub}` : "pods";
    let verb: FakeKubeVerb | undefined;
    if (legacyWatch) verb = method === "GET" && !sub ? "watch" : undefined;
    else if (sub) verb = method === "GET" ? "get" : undefined;
    else if (watchParam && method === "GET") verb = "watch";
    else if (name === undefined) verb = ({ GET: "list", POST: "create", DELETE: "deletecollection" } as Record<string, FakeKubeVerb>)[method];
    else verb = ({ GET: "get", PATCH: "patch", PUT: "update", DELETE: "delete" } as Record<string, FakeKubeVerb>)[method];
    if (verb === undefined) throw Errors.methodNotAllowed();
    const target: Target = { verb, resource };
    if (namespace !== undefined) target.namespace = namespace;
    if (name !== undefined) target.name = name;
    if (target.verb === "create" && namespace === undefined) throw Errors.methodNotAllowed();
    return target;
  }
  if ((m = NAMESPACES.exec(path))) {
    if (method !== "GET") throw Errors.methodNotAllowed();
    const target: Target = { verb: m[1] ? "get" : "list", resource: "namespaces" };
    if (m[1]) target.name = decodeURIComponent(m[1]);
    return target;
  }
  if (["/version", "/api", "/apis", "/api/v1"].includes(path.replace(/\/$/, "") || "/")) return { verb: "discovery", resource: path };
  return undefined;
}

export async function startFakeKube(options: FakeKubeOptions = {}): Promise<FakeKube> {
  const opts = compileOptions(options);
  const store = new PodStore(opts.historySize);
  const faults = new FaultRegistry();
  const kubelet = new Kubelet(store, opts);
  const namespaces = new Set(opts.namespaces);
  const startedAt = nowTime();
  const counts: Record<string, number> = {};
  const watches = new Set<OpenWatch>();
  let address = "";
  const ctx: PodsContext = {
    store,
    kubelet,
    faults,
    namespaces,
    bookmarkIntervalMs: opts.bookmarkIntervalMs,
    registerWatch: (w) => {
      watches.add(w);
      return () => watches.delete(w);
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const params = url.searchParams;
    const method = req.method ?? "GET";
    const target = resolve(method, url.pathname, params);
    if (!target) {
      counts["get unknown"] = (counts["get unknown"] ?? 0) + 1;
      throw Errors.noRoute();
    }
    const key = target.verb === "discovery" ? "get discovery" : `${target.verb} ${target.resource}`;
    counts[key] = (counts[key] ?? 0) + 1;
    if (target.verb === "discovery") {
      const path = url.pathname.replace(/\/$/, "");
      const body = path === "/version" ? versionInfo() : path === "/api" ? apiVersions(address) : path === "/apis" ? apiGroupList() : coreV1Resources();
      sendJson(res, 200, body);
      return;
    }
    if (target.resource === "namespaces") {
      if (target.name === undefined) {
        const items = [...namespaces].sort().map((n) => namespaceObject(n, startedAt));
        sendJson(res, 200, { kind: "NamespaceList", apiVersion: "v1", metadata: { resourceVersion: String(store.resourceVersion) }, items });
      } else if (namespaces.has(target.name)) sendJson(res, 200, namespaceObject(target.name, startedAt));
      else throw Errors.notFound("namespaces", target.name);
      return;
    }
    const body: Json | undefined = target.verb === "create" || target.verb === "update" ? await readJsonBody(req) : undefined;
    const injected = faults.takeStatus(target.verb, target.resource, target.name ?? nameInBody(body));
    if (injected) throw injected;
    const ns = target.namespace;
    const name = target.name;
    switch (target.resource === "pods" ? target.verb : `${target.verb} ${target.resource}`) {
      case "list":
        return listPods(ctx, req, res, ns, params);
      case "watch":
        return watchPods(ctx, req, res, ns, name === undefined ? params : withName(params, name));
      case "create":
        return createPod(ctx, req, res, ns!, params, body);
      case "get":
        return getPod(ctx, req, res, ns!, name!, params);
      case "patch":
        return patchPod(ctx, req, res, ns!, name!, params);
      case "update":
        return replacePod(ctx, req, res, ns!, name!, params, body);
      case "delete":
        return deletePod(ctx, req, res, ns!, name!, params);
      case "deletecollection":
        return deletePods(ctx, req, res, ns!, params);
      case "get pods/log":
        return podLog(ctx, res, ns!, name!, params);
      case "get pods/status":
        return getPod(ctx, req, res, ns!, name!, params);
      default:
        throw Errors.methodNotAllowed();
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => sendError(res, toApiError(err)));
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(opts.port, "127.0.0.1", () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  address = `127.0.0.1:${port}`;
  const url = `http://${address}`;

  return {
    url,
    writeKubeconfig: (file, kubeconfigOpts) => writeKubeconfig(file, url, kubeconfigOpts),
    inject(fault: FakeKubeFault): void {
      switch (fault.kind) {
        case "drop-watches":
          for (const w of [...watches]) w.drop();
          return;
        case "expire-watches":
          store.compact();
          return;
        case "evict":
          kubelet.evict(fault.namespace ?? "default", fault.pod);
          return;
        case "preempt":
          kubelet.preempt(fault.namespace ?? "default", fault.pod);
          return;
        default:
          faults.add(fault);
      }
    },
    clearFaults: () => faults.clear(),
    pods: (namespace) =>
      store.list(namespace).map((pod) => ObjectSerializer.deserialize(structuredClone(pod), "V1Pod", "") as V1Pod),
    requestCounts: () => ({ ...counts }),
    resourceVersion: () => String(store.resourceVersion),
    async stop(): Promise<void> {
      for (const w of [...watches]) w.close();
      await kubelet.stop();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** `/api/v1/watch/namespaces/NS/pods/NAME` is a watch with fieldSelector metadata.name=NAME. */
function withName(params: URLSearchParams, name: string): URLSearchParams {
  const copy = new URLSearchParams(params);
  const existing = copy.get("fieldSelector");
  copy.set("fieldSelector", existing ? `${existing},metadata.name=${name}` : `metadata.name=${name}`);
  return copy;
}
