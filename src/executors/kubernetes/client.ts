import { ApiException, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { coerceError, errorLine } from "../../common/errors.js";
import type { CompiledKubernetesExecutorOptions } from "./options.js";

/**
 * The KubeConfig an executor uses: the kubeconfig file (and context) it names; else the
 * in-cluster service account when running in a pod (KUBERNETES_SERVICE_HOST is set); else the
 * default kubeconfig ($KUBECONFIG or ~/.kube/config), as kubectl would.
 */
export function loadKubeConfig(options: Pick<CompiledKubernetesExecutorOptions, "kubeconfig" | "context">): KubeConfig {
  const kc = new KubeConfig();
  if (options.kubeconfig !== null) kc.loadFromFile(options.kubeconfig);
  else if (process.env["KUBERNETES_SERVICE_HOST"] !== undefined && options.context === null) kc.loadFromCluster();
  else kc.loadFromDefault();
  if (options.context !== null) {
    if (!kc.getContexts().some((c) => c.name === options.context)) {
      throw new Error(`context "${options.context}" is not in the kubeconfig; its contexts: ${kc.getContexts().map((c) => c.name).join(", ") || "none"}`);
    }
    kc.setCurrentContext(options.context);
  }
  if (kc.getCurrentCluster() === null) throw new Error("the kubeconfig names no cluster for its current context");
  return kc;
}

export function coreApi(kc: KubeConfig): CoreV1Api {
  return kc.makeApiClient(CoreV1Api);
}

/** Patch requests as JSON merge patches (client-node sends JSON Patch unless told). */
export const MERGE_PATCH = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** What an API call's failure says: the HTTP status (null: no answer), the Status message, Retry-After in ms. */
export interface ApiFailure {
  readonly status: number | null;
  readonly reason: string | null;
  readonly message: string;
  readonly retryAfterMs: number | null;
}

/** An API call's failure, read once where it is caught. */
export function apiFailure(thrown: unknown): ApiFailure {
  if (thrown instanceof ApiException) {
    const e = thrown as ApiException<unknown>;
    const body: unknown = typeof e.body === "string" ? safeJson(e.body) ?? e.body : e.body;
    const status = isRecord(body) ? body : null;
    const message = typeof status?.["message"] === "string" ? status["message"] : typeof body === "string" && body !== "" ? body.trim() : `HTTP ${e.code}`;
    const reason = typeof status?.["reason"] === "string" ? status["reason"] : null;
    const retry = headerOf(e.headers, "retry-after");
    const seconds = retry === null ? NaN : Number(retry);
    return { status: e.code, reason, message, retryAfterMs: Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null };
  }
  return { status: null, reason: null, message: errorLine(coerceError(thrown)), retryAfterMs: null };
}

/** Statuses worth trying again (the issue's list: conflicts, throttling, server errors) and no answer at all. */
export function isRetryable(f: ApiFailure): boolean {
  return f.status === null || f.status === 409 || f.status === 429 || f.status >= 500;
}

export function describeFailure(f: ApiFailure): string {
  return f.status === null ? `no answer from the API server: ${f.message}` : `${f.status}${f.reason !== null ? ` ${f.reason}` : ""}: ${f.message}`;
}

function headerOf(headers: Readonly<Record<string, string>> | undefined, name: string): string | null {
  if (headers === undefined) return null;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return null;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
