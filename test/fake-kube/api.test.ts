import assert from "node:assert/strict";
import { test } from "node:test";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { apiError, phaseIs, pod, startCluster, waitForPod } from "./helpers.js";

test("create, get, list with label and field selectors, patch, delete through @kubernetes/client-node", async (t) => {
  const c = await startCluster(t);
  const created = await c.api.createNamespacedPod({ namespace: "default", body: pod("alpha", ["true"], { labels: { app: "x", tier: "a" } }) });
  assert.equal(created.metadata?.namespace, "default");
  assert.match(created.metadata?.uid ?? "", /^[0-9a-f-]{36}$/);
  assert.ok(created.metadata?.creationTimestamp instanceof Date);
  assert.equal(created.status?.phase, "Pending");
  assert.equal(created.spec?.terminationGracePeriodSeconds, 30);
  await c.api.createNamespacedPod({ namespace: "default", body: pod("beta", ["sleep", "30"], { labels: { app: "x", tier: "b" } }) });
  await c.api.createNamespacedPod({ namespace: "default", body: pod("gamma", ["sleep", "30"], { labels: { app: "y" } }) });
  const generated = await c.api.createNamespacedPod({ namespace: "default", body: { metadata: { generateName: "gen-" }, spec: pod("x", ["true"]).spec! } });
  assert.match(generated.metadata?.name ?? "", /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);

  const got = await c.api.readNamespacedPod({ name: "alpha", namespace: "default" });
  assert.deepEqual(got.metadata?.labels, { app: "x", tier: "a" });

  const names = async (labelSelector?: string, fieldSelector?: string) => {
    const list = await c.api.listNamespacedPod({ namespace: "default", ...(labelSelector ? { labelSelector } : {}), ...(fieldSelector ? { fieldSelector } : {}) });
    return list.items.map((p) => p.metadata?.name).sort();
  };
  assert.deepEqual(await names("app=x"), ["alpha", "beta"]);
  assert.deepEqual(await names("app==x,tier!=a"), ["beta"]);
  assert.deepEqual(await names("tier in (a,b)"), ["alpha", "beta"]);
  assert.deepEqual(await names("app,tier notin (a)"), ["beta", "gamma"]);
  assert.deepEqual(await names("!tier"), [generated.metadata!.name!, "gamma"].sort());
  assert.deepEqual(await names(undefined, "metadata.name=gamma"), ["gamma"]);
  assert.deepEqual(await names("app=x", "metadata.name!=alpha"), ["beta"]);
  await waitForPod(c, "beta", phaseIs("Running"));
  await waitForPod(c, "gamma", phaseIs("Running"));
  assert.deepEqual(await names("app", "status.phase=Running"), ["beta", "gamma"]);
  assert.deepEqual(await names(undefined, "spec.nodeName=fake-node"), ["alpha", "beta", "gamma", generated.metadata!.name!].sort());
  assert.deepEqual(await names(undefined, "spec.restartPolicy=Never,metadata.namespace=default"), (await names()).sort());

  const all = await c.api.listPodForAllNamespaces();
  assert.equal(all.items.length, 4);
  assert.match(all.metadata?.resourceVersion ?? "", /^\d+$/);

  const page1 = await c.api.listNamespacedPod({ namespace: "default", limit: 3 });
  assert.equal(page1.items.length, 3);
  assert.ok(page1.metadata?._continue);
  assert.equal(page1.metadata?.remainingItemCount, 1);
  const page2 = await c.api.listNamespacedPod({ namespace: "default", limit: 3, _continue: page1.metadata!._continue! });
  assert.equal(page2.items.length, 1);
  assert.equal(page2.metadata?._continue, undefined);

  const merged = await c.api.patchNamespacedPod(
    { name: "alpha", namespace: "default", body: { metadata: { labels: { tier: null, extra: "1" }, annotations: { note: "hi" } } } },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
  );
  assert.deepEqual(merged.metadata?.labels, { app: "x", extra: "1" });
  assert.deepEqual(merged.metadata?.annotations, { note: "hi" });
  assert.ok(Number(merged.metadata?.resourceVersion) > Number(got.metadata?.resourceVersion));
  const strategic = await c.api.patchNamespacedPod(
    { name: "alpha", namespace: "default", body: { metadata: { labels: { s: "2" } } } },
    setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
  );
  assert.equal(strategic.metadata?.labels?.s, "2");
  const jsonPatched = await c.api.patchNamespacedPod({
    name: "alpha",
    namespace: "default",
    body: [
      { op: "add", path: "/metadata/labels/j", value: "3" },
      { op: "remove", path: "/metadata/labels/extra" },
    ],
  });
  assert.deepEqual(jsonPatched.metadata?.labels, { app: "x", s: "2", j: "3" });
  const specChange = await apiError(
    c.api.patchNamespacedPod({ name: "alpha", namespace: "default", body: { spec: { restartPolicy: "Always" } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch)),
  );
  assert.equal(specChange.code, 422);
  assert.match(String(specChange.body.message), /pod updates may not change fields other than/);
  const stale = await apiError(
    c.api.patchNamespacedPod(
      { name: "alpha", namespace: "default", body: { metadata: { resourceVersion: "1", labels: { z: "1" } } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    ),
  );
  assert.equal(stale.code, 409);
  assert.equal(stale.body.reason, "Conflict");

  // A finished pod goes at once; a running one gets deletionTimestamp first, then goes.
  await waitForPod(c, "alpha", phaseIs("Succeeded"));
  const gone = await c.api.deleteNamespacedPod({ name: "alpha", namespace: "default" });
  assert.equal(gone.metadata?.name, "alpha");
  assert.equal((await apiError(c.api.readNamespacedPod({ name: "alpha", namespace: "default" }))).code, 404);
  const terminating = await c.api.deleteNamespacedPod({ name: "beta", namespace: "default" });
  assert.ok(terminating.metadata?.deletionTimestamp instanceof Date);
  assert.equal(terminating.metadata?.deletionGracePeriodSeconds, 30);
  assert.equal(await waitForPod(c, "beta", () => false), "deleted");

  const collection = await c.api.deleteCollectionNamespacedPod({ namespace: "default", labelSelector: "app=y", gracePeriodSeconds: 0 });
  // client-node types deletecollection as V1Status; the apiserver answers with the list of deleted pods.
  assert.equal((collection as { kind?: string }).kind, "PodList");
  assert.deepEqual(c.kube.pods().map((p) => p.metadata?.name), [generated.metadata!.name!]);

  const counts = c.kube.requestCounts();
  assert.equal(counts["create pods"], 4);
  assert.equal(counts["get pods"], 2);
  assert.equal(counts["patch pods"], 5);
  assert.equal(counts["delete pods"], 2);
  assert.equal(counts["deletecollection pods"], 1);
  assert.ok((counts["list pods"] ?? 0) >= 10);
});

test("Status bodies: 404 NotFound, 409 AlreadyExists, 422 Invalid with a cause per field, 400 for a bad selector", async (t) => {
  const c = await startCluster(t);
  const missing = await apiError(c.api.readNamespacedPod({ name: "nope", namespace: "default" }));
  assert.equal(missing.code, 404);
  assert.deepEqual(missing.body, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: 'pods "nope" not found',
    reason: "NotFound",
    details: { name: "nope", kind: "pods" },
    code: 404,
  });
  const noNamespace = await apiError(c.api.createNamespacedPod({ namespace: "elsewhere", body: pod("a", ["true"]) }));
  assert.equal(noNamespace.code, 404);
  assert.equal(noNamespace.body.message, 'namespaces "elsewhere" not found');

  await c.api.createNamespacedPod({ namespace: "default", body: pod("dup", ["true"]) });
  const dup = await apiError(c.api.createNamespacedPod({ namespace: "default", body: pod("dup", ["true"]) }));
  assert.equal(dup.code, 409);
  assert.equal(dup.body.reason, "AlreadyExists");
  assert.equal(dup.body.message, 'pods "dup" already exists');

  const bad = await apiError(
    c.api.createNamespacedPod({
      namespace: "default",
      body: {
        metadata: { name: "Bad_Name", labels: { ok: "not ok!" } },
        spec: { restartPolicy: "Sometimes", containers: [{ name: "base", image: "x" }, { name: "base", image: "" }, { name: "Upper", image: "y" }] },
      },
    }),
  );
  assert.equal(bad.code, 422);
  assert.equal(bad.body.reason, "Invalid");
  const details = bad.body.details as { name: string; kind: string; causes: { reason: string; field: string; message: string }[] };
  assert.equal(details.name, "Bad_Name");
  assert.equal(details.kind, "Pod");
  assert.deepEqual(
    details.causes.map((cause) => [cause.reason, cause.field]),
    [
      ["FieldValueInvalid", "metadata.name"],
      ["FieldValueInvalid", "metadata.labels"],
      ["FieldValueDuplicate", "spec.containers[1].name"],
      ["FieldValueRequired", "spec.containers[1].image"],
      ["FieldValueInvalid", "spec.containers[2].name"],
      ["FieldValueNotSupported", "spec.restartPolicy"],
    ],
  );
  assert.match(String(bad.body.message), /^Pod "Bad_Name" is invalid: \[metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  const noContainers = await apiError(c.api.createNamespacedPod({ namespace: "default", body: { metadata: { name: "empty" }, spec: { containers: [] } } }));
  assert.equal(noContainers.body.message, 'Pod "empty" is invalid: spec.containers: Required value');
  const long = await apiError(c.api.createNamespacedPod({ namespace: "default", body: pod("a".repeat(254), ["true"]) }));
  assert.match(String(long.body.message), /must be no more than 253 characters/);
  const noName = await apiError(c.api.createNamespacedPod({ namespace: "default", body: { metadata: {}, spec: pod("x", ["true"]).spec! } }));
  assert.equal(noName.body.message, 'Pod "" is invalid: metadata.name: Required value: name or generateName is required');
  const selector = await apiError(c.api.listNamespacedPod({ namespace: "default", labelSelector: "a in b" }));
  assert.equal(selector.code, 400);
  assert.equal(selector.body.reason, "BadRequest");
  const field = await apiError(c.api.listNamespacedPod({ namespace: "default", fieldSelector: "spec.image=x" }));
  assert.equal(field.body.message, "field label not supported: spec.image");
  assert.deepEqual(c.kube.pods().map((p) => p.metadata?.name), ["dup"], "nothing invalid was stored");
});

test("pods() snapshots are deep copies typed as client-node returns them", async (t) => {
  const c = await startCluster(t);
  await c.api.createNamespacedPod({ namespace: "default", body: pod("snap", ["true"]) });
  const [snap] = c.kube.pods("default");
  assert.ok(snap?.metadata?.creationTimestamp instanceof Date);
  snap!.metadata!.labels = { changed: "yes" };
  assert.deepEqual(c.kube.pods()[0]?.metadata?.labels, {});
  assert.deepEqual(c.kube.pods("other"), []);
});
