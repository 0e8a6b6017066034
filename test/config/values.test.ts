import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigError } from "../../src/config/errors.js";
import { loadConfig } from "../../src/config/load.js";
import { formatConfigValue, getConfigValue, listConfig } from "../../src/config/values.js";
import { makeHome } from "./helpers.js";

function load() {
  const home = makeHome(`
[core]
executor = "LocalExecutor,fleet:LocalExecutor"
parallelism = 8
dags_folder = "flows"

[executors.fleet]
parallelism = 4
queues = ["io", "cpu"]
`);
  const config = loadConfig({ home, env: { SWITCHYARD__CORE__PARALLELISM: "12", SWITCHYARD__EXECUTORS__FLEET__LABEL: "blue" } });
  return { home, config };
}

function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (thrown) {
    assert.ok(thrown instanceof ConfigError);
    return thrown;
  }
  assert.fail("no ConfigError");
}

describe("getConfigValue", () => {
  it("returns compiled values by snake_case section and key", () => {
    const { home, config } = load();
    assert.equal(getConfigValue(config, "core", "parallelism"), 12);
    assert.equal(getConfigValue(config, "core", "dags_folder"), join(home, "flows"));
    assert.equal(getConfigValue(config, "CORE", "MAX_ACTIVE_RUNS_PER_DAG"), 16);
    assert.deepEqual(getConfigValue(config, "core", "executor"), ["LocalExecutor", "fleet:LocalExecutor"]);
    assert.equal(String(getConfigValue(config, "database", "url")), `sqlite:///${join(home, "switchyard.db")}`, "a URL without a password prints whole");
    assert.equal(getConfigValue(config, "logging", "level"), "info");
  });

  it("reads executor sections as executors.<name>", () => {
    const { config } = load();
    assert.equal(getConfigValue(config, "executors.fleet", "parallelism"), 4);
    assert.equal(getConfigValue(config, "executors.FLEET", "label"), "blue");
    assert.deepEqual(getConfigValue(config, "executors.fleet", "queues"), ["io", "cpu"]);
  });

  it("names an unknown key and lists the valid ones", () => {
    const { config } = load();
    const error = configError(() => getConfigValue(config, "core", "paralelism"));
    assert.equal(error.code, "CONFIG_UNKNOWN_KEY");
    assert.match(error.message, /^\[core\] paralelism: unknown key \(did you mean parallelism\?\)\. Valid keys in \[core\]: executor, parallelism, /);
  });

  it("names an unknown section and lists the valid ones, executor sections included", () => {
    const { config } = load();
    const error = configError(() => getConfigValue(config, "scheduller", "x"));
    assert.equal(error.code, "CONFIG_UNKNOWN_SECTION");
    assert.equal(
      error.message,
      "[scheduller]: unknown section (did you mean [scheduler]?). Valid sections: core, database, scheduler, logging, executors.fleet",
    );
    assert.match(configError(() => getConfigValue(config, "executors.fast", "x")).message, /did you mean \[executors\.fleet\]\?/);
    assert.match(configError(() => getConfigValue(config, "executors", "fleet")).message, /^\[executors\]: unknown section/);
  });

  it("says which keys an executor section sets", () => {
    const { config } = load();
    const error = configError(() => getConfigValue(config, "executors.fleet", "parallellism"));
    assert.equal(error.code, "CONFIG_UNKNOWN_KEY");
    assert.match(error.message, /^\[executors\.fleet\] parallellism: not set \(did you mean parallelism\?\)\. Keys set in \[executors\.fleet\]: parallelism, queues, label /);
  });
});

describe("listConfig", () => {
  it("lists every value with its source: default, file or env", () => {
    const { home, config } = load();
    const rows = listConfig(config);
    const row = (section: string, key: string) => rows.find((r) => r.section === section && r.key === key);
    assert.deepEqual(row("core", "parallelism"), { section: "core", key: "parallelism", value: 12, source: "env" });
    assert.deepEqual(row("core", "dags_folder"), { section: "core", key: "dags_folder", value: join(home, "flows"), source: "file" });
    assert.deepEqual(row("core", "executor"), { section: "core", key: "executor", value: ["LocalExecutor", "fleet:LocalExecutor"], source: "file" });
    assert.deepEqual(row("scheduler", "max_tis_per_query"), { section: "scheduler", key: "max_tis_per_query", value: 512, source: "default" });
    assert.deepEqual(row("executors.fleet", "parallelism"), { section: "executors.fleet", key: "parallelism", value: 4, source: "file" });
    assert.deepEqual(row("executors.fleet", "label"), { section: "executors.fleet", key: "label", value: "blue", source: "env" });
    assert.deepEqual(
      [...new Set(rows.map((r) => r.section))],
      ["core", "database", "scheduler", "logging", "executors.fleet"],
    );
    assert.equal(rows.length, 12 + 5 + 11 + 3 + 3);
  });

  it("reports every key as default when there is no file and no variable", () => {
    const rows = listConfig(loadConfig({ home: makeHome(), env: {} }));
    assert.ok(rows.every((r) => r.source === "default"));
    assert.equal(rows.length, 12 + 5 + 11 + 3);
  });

  it("refuses a config that loadConfig did not return", () => {
    const { config } = load();
    assert.throws(() => listConfig({ ...config }), /needs a config returned by loadConfig/);
  });
});

describe("formatConfigValue", () => {
  it("prints strings bare, string lists comma-joined and the rest as TOML", () => {
    assert.equal(formatConfigValue("sqlite:////x.db"), "sqlite:////x.db");
    assert.equal(formatConfigValue(["LocalExecutor", "fast:LocalExecutor"]), "LocalExecutor,fast:LocalExecutor");
    assert.equal(formatConfigValue(32), "32");
    assert.equal(formatConfigValue(false), "false");
    assert.equal(formatConfigValue({ cpu: "1", n: [1, 2] }), '{ cpu = "1", n = [1, 2] }');
  });
});
