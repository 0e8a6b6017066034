import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ConfigErrorCode, ExecutorConfigErrorCode } from "../../src/config/errors.js";
import { SECTION_NAMES, keysOf } from "../../src/config/schema.js";

const docs = readFileSync(new URL("../../docs/configuration.md", import.meta.url), "utf8");

describe("docs/configuration.md", () => {
  it("has a table row for every key, with its default", () => {
    for (const section of SECTION_NAMES) {
      assert.ok(docs.includes(`## \`[${section}]\``), `no heading for [${section}]`);
      for (const { key, spec } of keysOf(section)) {
        const row = docs.split("\n").find((line) => line.startsWith(`| \`${key}\` |`));
        assert.ok(row, `no row for [${section}] ${key}`);
        assert.ok(row.includes(`\`${JSON.stringify(spec.default)}\``), `[${section}] ${key}: default ${JSON.stringify(spec.default)} not in: ${row}`);
      }
    }
  });

  it("names every error code", () => {
    for (const code of Object.values(ConfigErrorCode)) assert.ok(docs.includes(code), code);
    for (const code of Object.values(ExecutorConfigErrorCode)) {
      assert.ok(docs.includes(code) || docs.includes(code.replace("CONFIG_EXECUTOR", "…")), code);
    }
  });
});
