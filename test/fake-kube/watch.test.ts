import assert from "node:assert/strict";
import { test } from "node:test";
import { PatchStrategy, setHeaderOptions, makeInformer, type V1Pod } from "@kubernetes/client-node";
import { clientWatch, pod, rawStream, startCluster } from "./helpers.js";

const PODS = "/api/v1/namespaces/default/pods";

test("a watch from a resourceVersion gets every change after it; from '' the current state as ADDED first", async (t) => {
  const c = await startCluster(t, { startDelayMs: 10_000 });
  const a = await c.api.createNamespacedPod({ namespace: "default", body: pod("a", ["true"], { labels: { role: "x" } }) });
  const fromNow = await clientWatch(c, PODS, { resourceVersion: a.metadata!.resourceVersion! });
  const fromScratch = await clientWatch(c, PODS, {});
  const initial = await fromScratch.next();
  assert.equal(initial.type, "ADDED");
  assert.equal((initial.object.metadata as { name: string }).name, "a");
  // The scheduler binds "a" (MODIFIED) and the kubelet reports ContainerCreating (MODIFIED).
  const bound = await fromNow.next();
  assert.equal(bound.type, "MODIFIED");
  assert.equal((bound.object.spec as { nodeName: string }).nodeName, "fake-node");
  assert.ok(Number((bound.object.metadata as { resourceVersion: string }).resourceVersion) > Number(a.metadata!.resourceVersion));
  fromNow.abort();
  fromScratch.abort();
});

test("a label-selected watch sees a pod leave the selection as DELETED and enter it as ADDED", async (t) => {
  const c = await startCluster(t, { startDelayMs: 10_000 });
  const created = await c.api.createNamespacedPod({ namespace: "default", body: pod("p", ["true"], { labels: { role: "x" } }) });
  const w = await clientWatch(c, PODS, { resourceVersion: created.metadata!.resourceVersion!, labelSelector: "role=x" });
  const relabel = (role: string) =>
    c.api.patchNamespacedPod({ name: "p", namespace: "default", body: { metadata: { labels: { role } } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
  // Skip the scheduler/kubelet updates until the relabel shows.
  await relabel("y");
  let e = await w.next();
  while (e.type === "MODIFIED") e = await w.next();
  assert.equal(e.type, "DELETED");
  await relabel("x");
  assert.equal((await w.next()).type, "ADDED");
  w.abort();
});

test("a watch from a resourceVersion older than the kept history gets an ERROR event with a 410 Expired Status", async (t) => {
  const c = await startCluster(t, { historySize: 3, startDelayMs: 10_000 });
  const first = await c.api.createNamespacedPod({ namespace: "default", body: pod("h1", ["true"]) });
  for (const name of ["h2", "h3", "h4"]) await c.api.createNamespacedPod({ namespace: "default", body: pod(name, ["true"]) });
  const w = await clientWatch(c, PODS, { resourceVersion: first.metadata!.resourceVersion! });
  const e = await w.next();
  assert.equal(e.type, "ERROR");
  assert.equal(e.object.kind, "Status");
  assert.equal(e.object.status, "Failure");
  assert.equal(e.object.reason, "Expired");
  assert.equal(e.object.code, 410);
  assert.match(String(e.object.message), new RegExp(`^too old resource version: ${first.metadata!.resourceVersion!} \\(\\d+\\)$`));
  assert.equal(await w.done, null, "the server ends the stream after the ERROR");
  assert.equal(c.kube.requestCounts()["watch pods"], 1);
});

test("allowWatchBookmarks: BOOKMARK events carry only the current resourceVersion", async (t) => {
  const c = await startCluster(t, { bookmarkIntervalMs: 50 });
  const w = await clientWatch(c, PODS, { allowWatchBookmarks: true, resourceVersion: c.kube.resourceVersion() });
  const e = await w.next();
  assert.equal(e.type, "BOOKMARK");
  assert.deepEqual(e.object, { kind: "Pod", apiVersion: "v1", metadata: { resourceVersion: c.kube.resourceVersion() } });
  w.abort();
  const without = await rawStream(`${c.kube.url}${PODS}?watch=true&timeoutSeconds=1`);
  assert.equal(await without.next(3000), undefined, "no bookmark without allowWatchBookmarks; timeoutSeconds ends the stream");
  assert.equal(await without.finished, "end");
});

test("expire-watches: open watches get ERROR 410 and end; resuming from before the compaction gets 410", async (t) => {
  const c = await startCluster(t);
  const rv = c.kube.resourceVersion();
  await c.api.createNamespacedPod({ namespace: "default", body: pod("e1", ["true"]) });
  const w = await clientWatch(c, PODS, { resourceVersion: c.kube.resourceVersion() });
  c.kube.inject({ kind: "expire-watches" });
  let e = await w.next();
  while (e.type === "MODIFIED") e = await w.next(); // e1's scheduling, if it raced the watch
  assert.equal(e.type, "ERROR");
  assert.equal(e.object.code, 410);
  assert.equal(e.object.reason, "Expired");
  assert.equal(await w.done, null);
  const resumed = await clientWatch(c, PODS, { resourceVersion: rv });
  assert.equal((await resumed.next()).object.code, 410);
  const fresh = await clientWatch(c, PODS, { resourceVersion: c.kube.resourceVersion(), fieldSelector: "metadata.name=e2" });
  await c.api.createNamespacedPod({ namespace: "default", body: pod("e2", ["true"]) });
  assert.equal((await fresh.next()).type, "ADDED", "a watch from the current resourceVersion works after the compaction");
  fresh.abort();
});

test("drop-watches: the connection is cut mid-stream", async (t) => {
  const c = await startCluster(t);
  const raw = await rawStream(`${c.kube.url}${PODS}?watch=true`);
  const w = await clientWatch(c, PODS, {});
  c.kube.inject({ kind: "drop-watches" });
  assert.equal(await raw.finished, "error", "the chunked body never ends cleanly");
  await w.done;
});

test("client-node's informer re-lists after 410 and after a dropped watch, and keeps up", async (t) => {
  const c = await startCluster(t);
  const path = PODS;
  const informer = makeInformer(c.kc, path, () => c.api.listNamespacedPod({ namespace: "default" }));
  const seen = new Set<string>();
  let notify: () => void = () => undefined;
  const added = (name: string) =>
    new Promise<void>((resolve) => {
      if (seen.has(name)) return resolve();
      notify = () => seen.has(name) && resolve();
    });
  informer.on("add", (p: V1Pod) => {
    seen.add(p.metadata!.name!);
    notify();
  });
  // client-node's informer stops on a non-410 error (a cut connection); its owner restarts it.
  let running = true;
  informer.on("error", () => setTimeout(() => running && void informer.start(), 10));
  await informer.start();
  await c.api.createNamespacedPod({ namespace: "default", body: pod("i1", ["true"]) });
  await added("i1");
  c.kube.inject({ kind: "expire-watches" });
  await c.api.createNamespacedPod({ namespace: "default", body: pod("i2", ["true"]) });
  await added("i2");
  c.kube.inject({ kind: "drop-watches" });
  await c.api.createNamespacedPod({ namespace: "default", body: pod("i3", ["true"]) });
  await added("i3");
  running = false;
  await informer.stop();
  assert.ok((c.kube.requestCounts()["list pods"] ?? 0) >= 2, "the 410 made it list again");
});

test("legacy /api/v1/watch paths and a watch on one pod's path are watches with a name selector; Table watches send headers once", async (t) => {
  const c = await startCluster(t, { startDelayMs: 10_000 });
  await c.api.createNamespacedPod({ namespace: "default", body: pod("one", ["true"]) });
  await c.api.createNamespacedPod({ namespace: "default", body: pod("two", ["true"]) });
  const legacy = await rawStream(`${c.kube.url}/api/v1/watch/namespaces/default/pods/two`);
  const first = await legacy.next();
  assert.equal(first?.type, "ADDED");
  assert.equal((first?.object.metadata as { name: string }).name, "two");
  legacy.close();
  const table = await rawStream(`${c.kube.url}/api/v1/pods?watch=true`, { Accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" });
  const [e1, e2] = [await table.next(), await table.next()];
  assert.equal(e1?.object.kind, "Table");
  assert.equal((e1?.object.columnDefinitions as unknown[]).length, 9);
  assert.equal(e2?.object.columnDefinitions, null, "headers only on the first event, as the apiserver's watch encoder does");
  assert.equal(((e2?.object.rows as { cells: unknown[] }[])[0]!.cells[0]), "two");
  table.close();
  assert.equal(c.kube.requestCounts()["watch pods"], 2);
});
