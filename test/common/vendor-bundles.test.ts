import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, it } from "node:test";
import { ROOT } from "../support/home.js";

/**
 * Kysely and zod are each loaded through one module (src/store/kysely.ts, src/common/zod.ts), which
 * the build bundles with its package into one file (scripts/bundle-vendor.mjs). A process must then
 * hold one copy of each package: no other module may load the package's own files at run time.
 */

const SRC = path.join(ROOT, "src");
const TRACER = path.join(ROOT, "test", "fixtures", "cli", "trace-loads.mjs");
const VENDORED = [
  { pkg: "kysely", module: path.join("store", "kysely") },
  { pkg: "zod", module: path.join("common", "zod") },
];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** Whether an import clause (`type { A }`, `{ type A, type B }`, `{ A }`, ...) brings in types only. */
function typeOnly(clause: string): boolean {
  if (/^type\s/.test(clause)) return true;
  const named = /^\{([^}]*)\}$/.exec(clause);
  return named !== null && named[1]!.split(",").every((s) => s.trim() === "" || /^type\s/.test(s.trim()));
}

describe("Kysely and zod, each loaded through its one vendor module", () => {
  for (const { pkg, module } of VENDORED) {
    it(`no source module but src/${module}.ts imports a value from ${pkg} (types only)`, () => {
      const offenders: string[] = [];
      const pattern = new RegExp(`(?:import|export)\\s+([^;]*?)\\s+from\\s+["']${pkg}(?:/[^"']*)?["']|import\\(\\s*["']${pkg}`, "g");
      for (const file of sourceFiles(SRC)) {
        if (file === path.join(SRC, `${module}.ts`)) continue;
        for (const match of fs.readFileSync(file, "utf8").matchAll(pattern)) {
          if (!typeOnly(match[1] ?? "")) offenders.push(`${path.relative(ROOT, file)}: ${match[0]}`);
        }
      }
      assert.deepEqual(offenders, [], `import ${pkg}'s values from ${module}.js`);
    });
  }

  it("the built store, scheduler, configuration and runner protocol load no file of either package, only the bundles", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sy-vendor-"));
    const trace = path.join(dir, "loads.txt");
    fs.writeFileSync(trace, "");
    const entries = ["store/connect.js", "scheduler/scheduler.js", "config/load.js", "runner/protocol.js"].map((m) => pathToFileURL(path.join(ROOT, "dist", m)).href);
    const r = spawnSync(process.execPath, ["--import", TRACER, "--input-type=module", "-e", entries.map((e) => `await import(${JSON.stringify(e)});`).join("\n")], {
      env: { ...process.env, SWITCHYARD_TRACE_LOADS: trace },
      encoding: "utf8",
    });
    const loaded = fs.readFileSync(trace, "utf8").split("\n").filter(Boolean);
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(r.status, 0, r.stderr);
    for (const { pkg, module } of VENDORED) {
      assert.ok(loaded.some((url) => url.endsWith(`/dist/${module}.js`)), `${module}.js was loaded`);
      assert.deepEqual(loaded.filter((url) => url.includes(`/node_modules/${pkg}/`)), [], `files of ${pkg} itself`);
    }
  });
});
