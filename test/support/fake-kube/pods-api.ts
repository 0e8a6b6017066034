import type { IncomingMessage, ServerResponse } from "node:http";
import type { V1DeleteOptions } from "@kubernetes/client-node";
import type { FaultRegistry } from "./faults.js";
import { readJsonBody, sendJson } from "./http.js";
import type { Kubelet } from "./kubelet.js";
import { boolParam, intParam, parseLogQuery } from "./logs.js";
import { jsonPatch, mergePatch } from "./patch.js";
import { applyPodDefaults, generateName } from "./pod-defaults.js";
import { parseFieldSelector, parseLabelSelector, type PodPredicate } from "./selectors.js";
import { Errors } from "./status.js";
import type { PodStore } from "./store.js";
import { parseIncludeObject, podTable, wantsTable } from "./table.js";
import { validateMetadata, validateNewPod } from "./validation.js";
import { serveWatch, type OpenWatch } from "./watch.js";
import { isRecord, podKey, type Json, type Wire, type WirePod } from "./wire.js";

/** What the pod handlers share. */
export interface PodsContext {
  store: PodStore;
  kubelet: Kubelet;
  faults: FaultRegistry;
  namespaces: Set<string>;
  bookmarkIntervalMs: number;
  registerWatch: (w: OpenWatch) => () => void;
}

type Req = IncomingMessage;
type Res = ServerResponse;

function selector(params: URLSearchParams): PodPredicate {
  const labels = parseLabelSelector(params.get("labelSelector"));
  const fields = parseFieldSelector(params.get("fieldSelector"));
  return (pod) => labels(pod) && fields(pod);
}

/** Items of a list carry no kind/apiVersion; the list does (as the apiserver encodes them). */
function asItem(pod: WirePod): WirePod {
  const { kind: _kind, apiVersion: _apiVersion, ...rest } = pod;
  return rest as WirePod;
}

function sendPod(ctx: PodsContext, req: Req, res: Res, code: number, pod: WirePod, params: URLSearchParams): void {
  if (wantsTable(req.headers.accept))
    sendJson(res, code, podTable([pod], { include: parseIncludeObject(params.get("includeObject")), resourceVersion: String(ctx.store.resourceVersion) }));
  else sendJson(res, code, pod);
}

function dryRun(params: URLSearchParams, body?: Json): boolean {
  const fromBody = isRecord(body) && Array.isArray(body.dryRun) && body.dryRun.includes("All");
  return params.getAll("dryRun").includes("All") || fromBody;
}

function encodeContinue(rv: number, lastKey: string): string {
  return Buffer.from(JSON.stringify({ rv, start: lastKey })).toString("base64url");
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString());
    if (isRecord(parsed) && typeof parsed.rv === "number" && typeof parsed.start === "string") return { rv: parsed.rv, start: parsed.start };
  } catch {
    // fall through to the error below
  }
  throw Errors.badRequest(`continue key is not valid: ${JSON.stringify(token)}`);
}

export function listPods(ctx: PodsContext, req: Req, res: Res, namespace: string | undefined, params: URLSearchParams): void {
  const matches = selector(params);
  const rvMatch = params.get("resourceVersionMatch");
  const rv = params.get("resourceVersion");
  if (rvMatch === "Exact" && rv !== null && Number(rv) !== ctx.store.resourceVersion) throw Errors.expired(Number(rv), ctx.store.resourceVersion);
  let items = ctx.store.list(namespace).filter(matches);
  const token = params.get("continue");
  if (token) {
    const { start } = decodeContinue(token);
    items = items.filter((p) => podKey(p.metadata!.namespace!, p.metadata!.name!) > start);
  }
  const limit = intParam(params, "limit", 0);
  let continueToken: string | undefined;
  let remaining: number | undefined;
  if (limit !== undefined && limit > 0 && items.length > limit) {
    remaining = items.length - limit;
    items = items.slice(0, limit);
    const last = items[items.length - 1]!;
    continueToken = encodeContinue(ctx.store.resourceVersion, podKey(last.metadata!.namespace!, last.metadata!.name!));
  }
  const resourceVersion = String(ctx.store.resourceVersion);
  if (wantsTable(req.headers.accept)) {
    const opts: Parameters<typeof podTable>[1] = { include: parseIncludeObject(params.get("includeObject")), resourceVersion };
    if (continueToken) opts.continueToken = continueToken;
    sendJson(res, 200, podTable(items, opts));
    return;
  }
  const metadata: Record<string, string | number> = { resourceVersion };
  if (continueToken) {
    metadata.continue = continueToken;
    metadata.remainingItemCount = remaining!;
  }
  sendJson(res, 200, { kind: "PodList", apiVersion: "v1", metadata, items: items.map(asItem) });
}

export function watchPods(ctx: PodsContext, req: Req, res: Res, namespace: string | undefined, params: URLSearchParams): void {
  const matches = selector(params);
  const timeoutSeconds = intParam(params, "timeoutSeconds", 0);
  const watch: Parameters<typeof serveWatch>[2] = {
    matches,
    resourceVersion: params.get("resourceVersion") ?? "",
    allowBookmarks: boolParam(params, "allowWatchBookmarks"),
    sendInitialEvents: boolParam(params, "sendInitialEvents"),
  };
  if (namespace !== undefined) watch.namespace = namespace;
  if (timeoutSeconds !== undefined && timeoutSeconds > 0) watch.timeoutSeconds = timeoutSeconds;
  if (wantsTable(req.headers.accept)) watch.table = { include: parseIncludeObject(params.get("includeObject")) };
  serveWatch(res, ctx.store, watch, { bookmarkIntervalMs: ctx.bookmarkIntervalMs, register: ctx.registerWatch });
}

/** The name a create request is for, before it is validated (for the 409 of a status fault). */
export function nameInBody(body: Json | undefined): string {
  if (!isRecord(body) || !isRecord(body.metadata)) return "";
  const meta = body.metadata;
  return typeof meta.name === "string" ? meta.name : typeof meta.generateName === "string" ? meta.generateName : "";
}

export function createPod(ctx: PodsContext, req: Req, res: Res, namespace: string, params: URLSearchParams, body: Json | undefined): void {
  if (!isRecord(body)) throw Errors.badRequest("the request body must be a Pod object");
  if (body.kind !== undefined && body.kind !== "Pod") throw Errors.badRequest(`the body is a ${JSON.stringify(body.kind)}, not a Pod`);
  if (body.apiVersion !== undefined && body.apiVersion !== "v1") throw Errors.badRequest(`Pod in version ${JSON.stringify(body.apiVersion)} cannot be handled: only v1 is served`);
  const pod = structuredClone(body) as unknown as WirePod;
  if (pod.metadata?.namespace && pod.metadata.namespace !== namespace)
    throw Errors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
  if (!ctx.namespaces.has(namespace)) throw Errors.notFound("namespaces", namespace);
  validateNewPod(pod);
  if (!pod.metadata!.name) pod.metadata!.name = generateName(pod.metadata!.generateName!);
  applyPodDefaults(pod, namespace);
  if (dryRun(params)) {
    if (ctx.store.get(namespace, pod.metadata!.name!)) throw Errors.alreadyExists("pods", pod.metadata!.name!);
    sendPod(ctx, req, res, 201, pod, params);
    return;
  }
  const fault = ctx.faults.takeImageFault(pod);
  const stored = ctx.store.create(pod);
  ctx.kubelet.admit(stored, fault);
  sendPod(ctx, req, res, 201, stored, params);
}

export function getPod(ctx: PodsContext, req: Req, res: Res, namespace: string, name: string, params: URLSearchParams): void {
  const pod = ctx.store.get(namespace, name);
  if (!pod) throw Errors.notFound("pods", name);
  sendPod(ctx, req, res, 200, pod, params);
}

const UPDATABLE_SPEC =
  "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/** Applies an update (PUT or patch result) with the apiserver's rules for pods. */
function applyUpdate(ctx: PodsContext, namespace: string, name: string, current: WirePod, candidate: Json, checkVersion: boolean): WirePod {
  if (!isRecord(candidate) || !isRecord(candidate.metadata)) throw Errors.badRequest("the updated object must be a Pod with metadata");
  const next = candidate as unknown as WirePod;
  const meta = next.metadata!;
  if (meta.name !== undefined && meta.name !== name) throw Errors.badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
  if (meta.namespace !== undefined && meta.namespace !== namespace) throw Errors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
  if (checkVersion && meta.resourceVersion !== undefined && meta.resourceVersion !== current.metadata!.resourceVersion) throw Errors.conflict("pods", name);
  // Fields the apiserver owns: what a client sends for them is ignored.
  const old = current.metadata!;
  for (const key of ["name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "resourceVersion"] as const) {
    if (old[key] === undefined) delete meta[key];
    else (meta as Record<string, unknown>)[key] = old[key];
  }
  next.kind = "Pod";
  next.apiVersion = "v1";
  next.status = current.status;
  const comparable = structuredClone(next.spec) ?? ({} as NonNullable<WirePod["spec"]>);
  comparable.containers?.forEach((c, i) => {
    const before = current.spec!.containers[i];
    if (before) c.image = before.image;
  });
  comparable.activeDeadlineSeconds = current.spec!.activeDeadlineSeconds;
  comparable.tolerations = current.spec!.tolerations;
  if (comparable.activeDeadlineSeconds === undefined) delete comparable.activeDeadlineSeconds;
  if (comparable.tolerations === undefined) delete comparable.tolerations;
  if (JSON.stringify(comparable) !== JSON.stringify(current.spec)) throw Errors.invalid("Pod", name, [{ reason: "FieldValueForbidden", message: UPDATABLE_SPEC.replace(/^spec: /, ""), field: "spec" }]);
  const causes: Parameters<typeof Errors.invalid>[2] = [];
  validateMetadata(next, causes);
  if (causes.length > 0) throw Errors.invalid("Pod", name, causes);
  return ctx.store.update(namespace, name, (pod) => {
    pod.metadata = next.metadata;
    pod.spec = next.spec;
  });
}

export async function patchPod(ctx: PodsContext, req: Req, res: Res, namespace: string, name: string, params: URLSearchParams): Promise<void> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim();
  if (!["application/merge-patch+json", "application/strategic-merge-patch+json", "application/json-patch+json"].includes(type)) throw Errors.unsupportedMediaType(type);
  const body = await readJsonBody(req);
  if (body === undefined) throw Errors.badRequest("the patch is empty");
  const current = ctx.store.get(namespace, name);
  if (!current) throw Errors.notFound("pods", name);
  const base = structuredClone(current) as unknown as Json;
  // Strategic merge differs from a merge patch only in how it merges lists by key; the fake patches
  // labels and annotations (maps), where the two agree.
  const patched = type === "application/json-patch+json" ? jsonPatch(base, body, name) : mergePatch(base, body);
  if (dryRun(params)) {
    sendPod(ctx, req, res, 200, patched as unknown as WirePod, params);
    return;
  }
  const stored = applyUpdate(ctx, namespace, name, current, patched, true);
  sendPod(ctx, req, res, 200, stored, params);
}

export function replacePod(ctx: PodsContext, req: Req, res: Res, namespace: string, name: string, params: URLSearchParams, body: Json | undefined): void {
  const current = ctx.store.get(namespace, name);
  if (!current) throw Errors.notFound("pods", name);
  if (body === undefined) throw Errors.badRequest("the request body must be a Pod object");
  const stored = applyUpdate(ctx, namespace, name, current, structuredClone(body), true);
  sendPod(ctx, req, res, 200, stored, params);
}

type DeleteOptions = Wire<V1DeleteOptions>;

function deleteOptions(params: URLSearchParams, body: Json | undefined): DeleteOptions {
  const opts: DeleteOptions = isRecord(body) ? (structuredClone(body) as unknown as DeleteOptions) : {};
  const grace = intParam(params, "gracePeriodSeconds", 0);
  if (grace !== undefined) opts.gracePeriodSeconds = grace;
  const policy = params.get("propagationPolicy");
  if (policy !== null) opts.propagationPolicy = policy;
  if (opts.propagationPolicy !== undefined && !["Orphan", "Background", "Foreground"].includes(opts.propagationPolicy))
    throw Errors.badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(opts.propagationPolicy)}: supported values: "Foreground", "Background", "Orphan"`);
  if (opts.gracePeriodSeconds !== undefined && (!Number.isInteger(opts.gracePeriodSeconds) || opts.gracePeriodSeconds < 0))
    throw Errors.badRequest(`gracePeriodSeconds: Invalid value: ${JSON.stringify(opts.gracePeriodSeconds)}: must be an integer >= 0`);
  return opts;
}

function deleteOne(ctx: PodsContext, namespace: string, pod: WirePod, opts: DeleteOptions): WirePod {
  const name = pod.metadata!.name!;
  const pre = opts.preconditions;
  if (pre?.uid && pre.uid !== pod.metadata!.uid)
    throw Errors.conflict("pods", name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${pod.metadata!.uid ?? ""}`);
  if (pre?.resourceVersion && pre.resourceVersion !== pod.metadata!.resourceVersion)
    throw Errors.conflict("pods", name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${pod.metadata!.resourceVersion ?? ""}`);
  const grace = opts.gracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
  return ctx.kubelet.delete(namespace, name, grace);
}

export async function deletePod(ctx: PodsContext, req: Req, res: Res, namespace: string, name: string, params: URLSearchParams): Promise<void> {
  const body = await readJsonBody(req);
  const opts = deleteOptions(params, body);
  const pod = ctx.store.get(namespace, name);
  if (!pod) throw Errors.notFound("pods", name);
  if (dryRun(params, body)) {
    sendJson(res, 200, pod);
    return;
  }
  sendJson(res, 200, deleteOne(ctx, namespace, pod, opts));
}

export async function deletePods(ctx: PodsContext, req: Req, res: Res, namespace: string, params: URLSearchParams): Promise<void> {
  const body = await readJsonBody(req);
  const opts = deleteOptions(params, body);
  const matches = selector(params);
  const targets = ctx.store.list(namespace).filter(matches);
  const items = dryRun(params, body) ? targets : targets.map((pod) => deleteOne(ctx, namespace, pod, opts));
  sendJson(res, 200, { kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: String(ctx.store.resourceVersion) }, items: items.map(asItem) });
}

export async function podLog(ctx: PodsContext, res: Res, namespace: string, name: string, params: URLSearchParams): Promise<void> {
  const pod = ctx.store.get(namespace, name);
  if (!pod) throw Errors.notFound("pods", name);
  const query = parseLogQuery(params);
  const log = ctx.kubelet.log(pod, params.get("container"), boolParam(params, "previous"));
  res.writeHead(200, { "Content-Type": "text/plain", "Transfer-Encoding": "chunked" });
  res.flushHeaders();
  await log.stream(
    query,
    (text) => {
      if (!res.destroyed && !res.writableEnded) res.write(text);
    },
    (cancel) => res.on("close", cancel),
  );
  if (!res.destroyed) res.end();
}
