import assert from "node:assert/strict";
import { test } from "node:test";
import { expand } from "../support/fake-kube/env.js";
import { mergePatch } from "../support/fake-kube/patch.js";
import { parseFieldSelector, parseLabelSelector } from "../support/fake-kube/selectors.js";
import { ApiError } from "../support/fake-kube/status.js";
import { humanDuration } from "../support/fake-kube/table.js";
import type { WirePod } from "../support/fake-kube/wire.js";

test("$(VAR) expansion follows Kubernetes: $$ escapes, unknown names and unclosed references stay", () => {
  const vars = { A: "1", B: "two" };
  assert.equal(expand("$(A)-$(B)", vars), "1-two");
  assert.equal(expand("$$(A)", vars), "$(A)");
  assert.equal(expand("$$$$", vars), "$$");
  assert.equal(expand("$(C)", vars), "$(C)");
  assert.equal(expand("$(A", vars), "$(A");
  assert.equal(expand("cost: $5 and $", vars), "cost: $5 and $");
  assert.equal(expand("", vars), "");
});

test("label selectors: equality, sets, existence; bad terms are 400 BadRequest naming the term", () => {
  const pod = (labels: Record<string, string>): WirePod => ({ metadata: { name: "p", namespace: "default", labels } });
  const cases: [string, Record<string, string>, boolean][] = [
    ["a=b", { a: "b" }, true],
    ["a=b", { a: "c" }, false],
    ["a!=b", {}, true],
    ["a in (x, y)", { a: "y" }, true],
    ["a in (x,y)", {}, false],
    ["a notin (x)", {}, true],
    ["a notin (x)", { a: "x" }, false],
    ["a,!b", { a: "" }, true],
    ["a,!b", { a: "", b: "" }, false],
    ["example.com/role=web", { "example.com/role": "web" }, true],
    ["n>3", { n: "4" }, true],
    ["n<3", { n: "x" }, false],
    ["", { anything: "x" }, true],
  ];
  for (const [selector, labels, expected] of cases) assert.equal(parseLabelSelector(selector)(pod(labels)), expected, `${selector} on ${JSON.stringify(labels)}`);
  for (const bad of ["a b", "a in x", "=b", "a in (x y)"]) {
    assert.throws(() => parseLabelSelector(bad), (err: unknown) => err instanceof ApiError && err.code === 400 && err.message.includes(JSON.stringify(bad)), bad);
  }
  assert.throws(() => parseFieldSelector("status.hostIP=1"), /field label not supported: status.hostIP/);
  assert.throws(() => parseFieldSelector("metadata.name"), /expected field=value/);
});

test("merge patch: null deletes, objects merge, everything else replaces", () => {
  assert.deepEqual(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { b: null, d: 3 }, l: [3] }), { a: { c: 2, d: 3 }, l: [3] });
  assert.deepEqual(mergePatch({ a: 1 }, { a: { b: 1 } }), { a: { b: 1 } });
});

test("ages print as kubectl prints them (apimachinery HumanDuration)", () => {
  const s = 1000;
  assert.equal(humanDuration(5 * s), "5s");
  assert.equal(humanDuration(119 * s), "119s");
  assert.equal(humanDuration(150 * s), "2m30s");
  assert.equal(humanDuration(600 * s), "10m");
  assert.equal(humanDuration(3 * 3600 * s + 5 * 60 * s), "3h5m");
  assert.equal(humanDuration(30 * 3600 * s), "30h");
  assert.equal(humanDuration(3 * 86400 * s + 3600 * s), "3d1h");
});
