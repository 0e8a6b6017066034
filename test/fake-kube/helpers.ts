import { request } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { TestContext } from "node:test";
import { ApiException, CoreV1Api, KubeConfig, Watch, type V1Pod } from "@kubernetes/client-node";
import { startFakeKube, type FakeKube, type FakeKubeOptions } from "../support/fake-kube/index.js";

/** A fake server with a kubeconfig for it and a client, torn down when the test ends. */
export interface Cluster {
  kube: FakeKube;
  kc: KubeConfig;
  api: CoreV1Api;
  dir: string;
  kubeconfig: string;
}

export async function startCluster(t: TestContext, options: FakeKubeOptions = {}): Promise<Cluster> {
  const dir = await mkdtemp(join(tmpdir(), "fake-kube-"));
  const kube = await startFakeKube(options);
  t.after(async () => {
    await kube.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const kubeconfig = join(dir, "kubeconfig");
  await kube.writeKubeconfig(kubeconfig);
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return { kube, kc, api: kc.makeApiClient(CoreV1Api), dir, kubeconfig };
}

/** A pod with one container `base` running `command`. */
export function pod(name: string, command: string[], extra: { labels?: Record<string, string>; restartPolicy?: string; image?: string } = {}): V1Pod {
  return {
    metadata: { name, labels: extra.labels ?? {} },
    spec: {
      restartPolicy: extra.restartPolicy ?? "Never",
      containers: [{ name: "base", image: extra.image ?? "busybox:1.36", command, terminationMessagePolicy: "FallbackToLogsOnError" }],
    },
  };
}

/** A pod object as a watch delivers it (JSON, timestamps as strings). */
export interface WatchedPod {
  metadata?: { name?: string; resourceVersion?: string; deletionTimestamp?: string; labels?: Record<string, string> };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: { state?: { waiting?: { reason?: string; message?: string }; running?: object; terminated?: { exitCode: number; reason?: string; message?: string } }; restartCount?: number }[];
  };
}

/**
 * Resolves with the pod once `until` holds for it (checked on the current state, then on each
 * change a watch delivers), or "deleted" when it is gone first. Reads the watch with node:http
 * rather than client-node's Watch, whose 30 s abort timer keeps a finished test process alive.
 */
export async function waitForPod(cluster: Cluster, name: string, until: (pod: WatchedPod) => boolean, namespace = "default", timeoutMs = 15_000): Promise<WatchedPod | "deleted"> {
  // List then watch from the list's resourceVersion, as an informer does: nothing falls between.
  const selector = encodeURIComponent(`metadata.name=${name}`);
  const base = `${cluster.kube.url}/api/v1/namespaces/${namespace}/pods?fieldSelector=${selector}`;
  const list = (await (await fetch(base)).json()) as { metadata: { resourceVersion: string }; items: WatchedPod[] };
  const current = list.items[0];
  if (current === undefined) return "deleted";
  if (until(current)) return current;
  const stream = await rawStream(`${base}&watch=true&resourceVersion=${list.metadata.resourceVersion}`);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const event = await stream.next(Math.max(1, deadline - Date.now())).catch(() => {
        throw new Error(`pod ${namespace}/${name}: condition not reached in ${timeoutMs} ms`);
      });
      if (event === undefined) throw new Error(`watch of ${name} ended before the condition`);
      if (event.type === "DELETED") return "deleted";
      const obj = event.object as WatchedPod;
      if (event.type === "MODIFIED" && until(obj)) return obj;
    }
  } finally {
    stream.close();
  }
}

export const phaseIs = (...phases: string[]) => (p: WatchedPod) => phases.includes(p.status?.phase ?? "");

/** The Status body of a failed client call. */
export async function apiError(promise: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown>; headers: Record<string, string> }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApiException) {
      const raw: unknown = err.body;
      const body = typeof raw === "string" ? (JSON.parse(raw) as Record<string, unknown>) : (raw as Record<string, unknown>);
      return { code: err.code, body, headers: err.headers };
    }
    throw err;
  }
  throw new Error("expected the call to fail");
}

/** A raw watch (or any streaming GET): its lines as parsed JSON, one at a time. */
export interface RawStream {
  status: number;
  /** The next event, or undefined once the server ended the stream (ended) or cut it (error). */
  next(timeoutMs?: number): Promise<{ type: string; object: Record<string, unknown> } | undefined>;
  /** How the stream finished: "end" (clean end of the chunked body) or "error" (connection cut). */
  finished: Promise<"end" | "error">;
  close(): void;
}

export function rawStream(url: string, headers: Record<string, string> = {}): Promise<RawStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const lines: string[] = [];
      const waiters: ((line: string | undefined) => void)[] = [];
      let done = false;
      const rl = createInterface({ input: res });
      // A cut connection is an outcome (finished resolves "error"), not a crash of the test.
      rl.on("error", () => undefined);
      rl.on("line", (line) => {
        const w = waiters.shift();
        if (w) w(line);
        else lines.push(line);
      });
      const finished = new Promise<"end" | "error">((fin) => {
        res.on("aborted", () => fin("error"));
        res.on("error", () => fin("error"));
        res.on("end", () => fin(res.complete ? "end" : "error"));
        res.on("close", () => fin(res.complete ? "end" : "error"));
      });
      void finished.then(() => {
        done = true;
        for (const w of waiters.splice(0)) w(undefined);
      });
      resolve({
        status: res.statusCode ?? 0,
        finished,
        next: (timeoutMs = 10_000) =>
          new Promise((res2, rej2) => {
            const parse = (line: string | undefined) => (line === undefined ? undefined : (JSON.parse(line) as { type: string; object: Record<string, unknown> }));
            if (lines.length > 0) return res2(parse(lines.shift()));
            if (done) return res2(undefined);
            const timer = setTimeout(() => rej2(new Error(`no event within ${timeoutMs} ms`)), timeoutMs);
            waiters.push((line) => {
              clearTimeout(timer);
              res2(parse(line));
            });
          }),
        close: () => req.destroy(),
      });
    });
    req.on("error", (err) => reject(err));
    req.end();
  });
}

/** A watch opened through client-node's Watch, with its events queued for the test to take. */
export interface ClientWatch {
  next(timeoutMs?: number): Promise<{ type: string; object: Record<string, unknown> }>;
  /** Resolves when client-node calls `done` (the stream ended or was cut), with its error if any. */
  done: Promise<unknown>;
  abort(): void;
}

export async function clientWatch(cluster: Cluster, path: string, params: Record<string, string | boolean | number>): Promise<ClientWatch> {
  const queue: { type: string; object: Record<string, unknown> }[] = [];
  const waiters: ((e: { type: string; object: Record<string, unknown> }) => void)[] = [];
  let finish: (err: unknown) => void = () => undefined;
  const done = new Promise<unknown>((resolve) => (finish = resolve));
  const controller = await new Watch(cluster.kc).watch(
    path,
    params,
    (type: string, object: Record<string, unknown>) => {
      const w = waiters.shift();
      if (w) w({ type, object });
      else queue.push({ type, object });
    },
    (err: unknown) => finish(err ?? null),
  );
  return {
    next: (timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const queued = queue.shift();
        if (queued) return resolve(queued);
        const timer = setTimeout(() => reject(new Error(`no watch event within ${timeoutMs} ms`)), timeoutMs);
        waiters.push((e) => {
          clearTimeout(timer);
          resolve(e);
        });
      }),
    done,
    abort: () => controller.abort(),
  };
}

/** A streaming text GET (a followed log): what arrived so far, and a wait for some text. */
export interface TextStream {
  status: number;
  text(): string;
  waitFor(needle: string, timeoutMs?: number): Promise<void>;
  ended: Promise<void>;
  close(): void;
}

export function textStream(url: string): Promise<TextStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      let text = "";
      const waiters = new Set<() => void>();
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
        for (const w of [...waiters]) w();
      });
      res.on("error", () => undefined);
      const ended = new Promise<void>((done) => res.on("close", () => done()));
      resolve({
        status: res.statusCode ?? 0,
        text: () => text,
        ended,
        close: () => req.destroy(),
        waitFor: (needle, timeoutMs = 10_000) =>
          new Promise((ok, fail) => {
            const check = (): void => {
              if (!text.includes(needle)) return;
              waiters.delete(check);
              clearTimeout(timer);
              ok();
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`${JSON.stringify(needle)} not in the stream within ${timeoutMs} ms; got ${JSON.stringify(text)}`));
            }, timeoutMs);
            waiters.add(check);
            check();
          }),
      });
    });
    req.on("error", reject);
    req.end();
  });
}
