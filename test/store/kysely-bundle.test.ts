import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../support/home.js";

/**
 * Kysely is loaded through one module, src/store/kysely.ts, which the build bundles with Kysely
 * into one file (scripts/bundle-kysely.mjs): a process must then hold one copy of Kysely, so no
 * other module may load Kysely's own files at run time.
 */

const SRC = path.join(ROOT, "src");
const TRACER = path.join(ROOT, "test", "fixtures", "cli", "trace-loads.mjs");

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith(".ts") ? [full] : [];
  });
}

describe("Kysely, loaded through store/kysely.ts alone", () => {
  it("no other source module imports a value from kysely (types only)", () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(SRC)) {
      if (file === path.join(SRC, "store", "kysely.ts")) continue;
      const text = fs.readFileSync(file, "utf8");
      for (const match of text.matchAll(/(import|export)\s+([^;]*?)\s+from\s+["']kysely(\/[^"']*)?["']|import\(\s*["']kysely/g)) {
        const clause = match[2] ?? "";
        const typeOnly = /^type\s/.test(clause) || /^\{[^}]*\}$/.test(clause) && clause.slice(1, -1).split(",").every((s) => s.trim() === "" || /^type\s/.test(s.trim()));
        if (!typeOnly) offenders.push(`${path.relative(ROOT, file)}: ${match[0]}`);
      }
    }
    assert.deepEqual(offenders, [], "import Kysely's values from store/kysely.js");
  });

  it("the built store loads no file of the kysely package, only the bundle", () => {
    const trace = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sy-kysely-")), "loads.txt");
    fs.writeFileSync(trace, "");
    const entry = path.join(ROOT, "dist", "store", "connect.js");
    const r = spawnSync(process.execPath, ["--import", TRACER, "--input-type=module", "-e", `await import(${JSON.stringify(new URL(`file://${entry}`).href)}); await import(${JSON.stringify(new URL(`file://${path.join(ROOT, "dist", "scheduler", "scheduler.js")}`).href)});`], {
      env: { ...process.env, SWITCHYARD_TRACE_LOADS: trace },
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    const loaded = fs.readFileSync(trace, "utf8").split("\n").filter(Boolean);
    fs.rmSync(path.dirname(trace), { recursive: true, force: true });
    assert.ok(loaded.some((url) => url.endsWith("/dist/store/kysely.js")), "the store loaded its Kysely module");
    assert.deepEqual(loaded.filter((url) => url.includes("/node_modules/kysely/")), []);
  });
});
