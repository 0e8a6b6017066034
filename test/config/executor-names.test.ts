import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, ExecutorConfigError } from "../../src/config/errors.js";
import {
  BUILTIN_EXECUTORS,
  lookupExecutorName,
  parseExecutorNames,
  validateExecutorSections,
  type ExecutorName,
} from "../../src/config/executor-names.js";
import { loadConfig } from "../../src/config/load.js";
import { makeHome } from "./helpers.js";

const HOME = "/srv/switchyard";

/** parseExecutorNames' error for the comma string `value`. */
function parseError(value: string): ExecutorConfigError {
  try {
    parseExecutorNames(value.split(","), HOME);
  } catch (thrown) {
    assert.ok(thrown instanceof ExecutorConfigError, `expected an ExecutorConfigError, got ${String(thrown)}`);
    assert.ok(thrown instanceof ConfigError);
    return thrown;
  }
  assert.fail(`parseExecutorNames accepted ${JSON.stringify(value)}`);
}

describe("parseExecutorNames: valid entries", () => {
  it("parses built-ins, aliases and custom modules", () => {
    const names = parseExecutorNames(
      ["LocalExecutor", "fast:LocalExecutor", "seq_1:SequentialExecutor", "gpu:./executors/gpu.js#GpuExecutor", "up:../shared/exec.mjs", "abs:/opt/exec.js#Exec"],
      HOME,
    );
    const expected: ExecutorName[] = [
      { raw: "LocalExecutor", alias: null, className: "LocalExecutor", modulePath: null, modulePathAsWritten: null, name: "LocalExecutor" },
      { raw: "fast:LocalExecutor", alias: "fast", className: "LocalExecutor", modulePath: null, modulePathAsWritten: null, name: "fast" },
      { raw: "seq_1:SequentialExecutor", alias: "seq_1", className: "SequentialExecutor", modulePath: null, modulePathAsWritten: null, name: "seq_1" },
      {
        raw: "gpu:./executors/gpu.js#GpuExecutor",
        alias: "gpu",
        className: "GpuExecutor",
        modulePath: "/srv/switchyard/executors/gpu.js",
        modulePathAsWritten: "./executors/gpu.js",
        name: "gpu",
      },
      { raw: "up:../shared/exec.mjs", alias: "up", className: "default", modulePath: "/srv/shared/exec.mjs", modulePathAsWritten: "../shared/exec.mjs", name: "up" },
      { raw: "abs:/opt/exec.js#Exec", alias: "abs", className: "Exec", modulePath: "/opt/exec.js", modulePathAsWritten: "/opt/exec.js", name: "abs" },
    ];
    assert.deepEqual(names, expected);
    assert.ok(names.every((n) => Object.isFrozen(n)));
  });

  it("allows two aliased LocalExecutors, and a bare one beside an aliased one", () => {
    assert.deepEqual(parseExecutorNames(["a:LocalExecutor", "b:LocalExecutor"], HOME).map((n) => n.name), ["a", "b"]);
    assert.deepEqual(parseExecutorNames(["LocalExecutor", "fast:LocalExecutor"], HOME).map((n) => n.name), ["LocalExecutor", "fast"]);
  });

  it("trims entries and the parts around ':'", () => {
    assert.equal(parseExecutorNames([" fast : LocalExecutor "], HOME)[0]!.name, "fast");
  });

  it("lists the built-ins", () => {
    assert.deepEqual([...BUILTIN_EXECUTORS], ["LocalExecutor", "SequentialExecutor", "BullMQExecutor", "KubernetesExecutor", "LocalKubernetesExecutor", "BullMQKubernetesExecutor"]);
  });
});

describe("parseExecutorNames: errors", () => {
  const cases: Array<[string, string, string]> = [
    ["", "CONFIG_EXECUTOR_NONE", '[core] executor = "": no executor configured; name at least one (the first is the default), e.g. executor = "LocalExecutor". Built-ins: LocalExecutor, SequentialExecutor, BullMQExecutor, KubernetesExecutor, LocalKubernetesExecutor, BullMQKubernetesExecutor'],
    [" , ", "CONFIG_EXECUTOR_NONE", '[core] executor = ",": no executor configured'],
    ["LocalExecutor,,SequentialExecutor", "CONFIG_EXECUTOR_EMPTY_ENTRY", '[core] executor = "LocalExecutor,,SequentialExecutor": entry 2 is empty (two commas in a row, or a comma at the start or end); remove it'],
    ["LocalExecutor,", "CONFIG_EXECUTOR_EMPTY_ENTRY", '[core] executor = "LocalExecutor,": entry 2 is empty'],
    ["a::b", "CONFIG_EXECUTOR_TOO_MANY_COLONS", '[core] executor entry 1 "a::b": has more than one ":"; an entry is ClassName, alias:ClassName or alias:./path/to/module.js#ExportName'],
    ["LocalExecutor,a:b:c", "CONFIG_EXECUTOR_TOO_MANY_COLONS", '[core] executor entry 2 "a:b:c": has more than one ":"'],
    [":LocalExecutor", "CONFIG_EXECUTOR_EMPTY_ALIAS", '[core] executor entry 1 ":LocalExecutor": has an empty alias before ":"; write myalias:LocalExecutor, or just LocalExecutor'],
    ["fast:", "CONFIG_EXECUTOR_EMPTY_TARGET", '[core] executor entry 1 "fast:": names no executor after "fast:"; write fast:LocalExecutor or fast:./path/to/module.js#ExportName'],
    ["LocalExecutor:SequentialExecutor", "CONFIG_EXECUTOR_ALIAS_RESERVED", '[core] executor entry 1 "LocalExecutor:SequentialExecutor": the alias "LocalExecutor" is an executor class name; choose another alias (e.g. fast:SequentialExecutor)'],
    ["celeryexecutor:LocalExecutor", "CONFIG_EXECUTOR_ALIAS_RESERVED", 'the alias "celeryexecutor" is an executor class name'],
    ["my fast:LocalExecutor", "CONFIG_EXECUTOR_INVALID_ALIAS", '[core] executor entry 1 "my fast:LocalExecutor": alias "my fast" may only contain letters, digits, "_" and "-"'],
    ["fast.lane:LocalExecutor", "CONFIG_EXECUTOR_INVALID_ALIAS", 'alias "fast.lane" may only contain letters, digits, "_" and "-"'],
    ["LocalExecuter", "CONFIG_EXECUTOR_UNKNOWN", '[core] executor entry 1 "LocalExecuter": "LocalExecuter" is not a built-in executor (did you mean LocalExecutor?). Built-ins: LocalExecutor, SequentialExecutor, BullMQExecutor, KubernetesExecutor, LocalKubernetesExecutor, BullMQKubernetesExecutor; a custom executor is written alias:./path/to/module.js#ExportName'],
    ["fast:Turbo", "CONFIG_EXECUTOR_UNKNOWN", '"Turbo" is not a built-in executor. Built-ins: LocalExecutor, SequentialExecutor, BullMQExecutor, KubernetesExecutor, LocalKubernetesExecutor, BullMQKubernetesExecutor; a custom executor is written alias:./path/to/module.js#ExportName'],
    ["./executors/gpu.js#GpuExecutor", "CONFIG_EXECUTOR_ALIAS_REQUIRED", '[core] executor entry 1 "./executors/gpu.js#GpuExecutor": is a module path; a custom executor needs an alias: myexec:./executors/gpu.js#GpuExecutor'],
    ["executors/gpu.js", "CONFIG_EXECUTOR_ALIAS_REQUIRED", "looks like a module path; a custom executor needs an alias and a path starting with ./, ../ or /: myexec:./executors/gpu.js"],
    ["gpu:executors/gpu.js#Gpu", "CONFIG_EXECUTOR_UNKNOWN", "a module path must start with ./, ../ or /: gpu:./executors/gpu.js#Gpu"],
    ["my_company.executors.MyExecutor", "CONFIG_EXECUTOR_UNKNOWN", "looks like a Python import path; custom executors are ES modules: myexec:./path/to/module.js#ExportName. Built-ins"],
    ["airflow.executors.local_executor.LocalExecutor", "CONFIG_EXECUTOR_UNKNOWN", "or use the built-in LocalExecutor"],
    ["gpu:./gpu.js#", "CONFIG_EXECUTOR_INVALID_EXPORT", '[core] executor entry 1 "gpu:./gpu.js#": "#" is not an export name; write #ExportName (a JavaScript identifier), or leave it out for the default export'],
    ["gpu:./gpu.js#a#b", "CONFIG_EXECUTOR_INVALID_EXPORT", '"#a#b" is not an export name'],
    ["CeleryExecutor", "CONFIG_EXECUTOR_AIRFLOW_ONLY", '[core] executor entry 1 "CeleryExecutor": CeleryExecutor is Airflow\'s and has no engine in Switchyard: use BullMQExecutor (Redis) with `switchyard worker` processes on each machine (docs/executors/bullmq.md), or LocalExecutor on one machine, or a custom executor, alias:./path/to/module.js#ExportName'],
    ["fleet:CeleryExecutor", "CONFIG_EXECUTOR_AIRFLOW_ONLY", "CeleryExecutor is Airflow's and has no engine in Switchyard: use BullMQExecutor"],
    ["DaskExecutor", "CONFIG_EXECUTOR_AIRFLOW_ONLY", "DaskExecutor is Airflow's and has no engine in Switchyard: use BullMQExecutor (Redis)"],
    ["DebugExecutor", "CONFIG_EXECUTOR_AIRFLOW_ONLY", "use SequentialExecutor"],
    ["CeleryKubernetesExecutor", "CONFIG_EXECUTOR_AIRFLOW_ONLY", "CeleryKubernetesExecutor is Airflow's and has no engine in Switchyard: use BullMQKubernetesExecutor (a BullMQExecutor and a KubernetesExecutor routed by queue, docs/executors/hybrid.md)"],
    ["fast:LocalExecutor,fast:SequentialExecutor", "CONFIG_EXECUTOR_DUPLICATE_ALIAS", '[core] executor entries 1 and 2: both use the alias "fast"; each alias must be unique (compared ignoring case)'],
    ["Fast:LocalExecutor,fast:LocalExecutor", "CONFIG_EXECUTOR_DUPLICATE_ALIAS", '[core] executor entries 1 and 2: both use the alias "fast"'],
    ["LocalExecutor,SequentialExecutor,LocalExecutor", "CONFIG_EXECUTOR_DUPLICATE_CLASS", "[core] executor entries 1 and 3: are both LocalExecutor without an alias to tell them apart; give one an alias, e.g. fast:LocalExecutor"],
    ["a:./x.js,b:./x.js#default", "CONFIG_EXECUTOR_DUPLICATE_MODULE", "[core] executor entries 1 and 2: both load /srv/switchyard/x.js#default; configure a custom executor once"],
    ["a:./x.js#X,b:./lib/../x.js#X", "CONFIG_EXECUTOR_DUPLICATE_MODULE", "[core] executor entries 1 and 2: both load /srv/switchyard/x.js#X"],
  ];
  it("an Airflow-only executor's message recommends only executors this build has", () => {
    for (const airflow of ["CeleryExecutor", "DaskExecutor", "DebugExecutor", "CeleryKubernetesExecutor"]) {
      const detail = parseError(airflow).message.split("has no engine in Switchyard:")[1]!;
      const recommended = detail
        .split(";")
        .filter((clause) => !/not in this build/.test(clause))
        .flatMap((clause) => clause.match(/\b[A-Z]\w*Executor\b/g) ?? []);
      assert.ok(recommended.length > 0, `${airflow}: names an executor to use instead: ${detail}`);
      for (const name of recommended) assert.ok((BUILTIN_EXECUTORS as readonly string[]).includes(name), `${airflow}: recommends ${name}, which this build does not have: ${detail}`);
    }
  });

  for (const [value, code, message] of cases) {
    it(`${JSON.stringify(value)} → ${code}`, () => {
      const error = parseError(value);
      assert.equal(error.code, code);
      assert.equal(error.problems.length, 1, error.message);
      assert.ok(error.message.includes(message), `${error.message}\n  should contain\n${message}`);
    });
  }

  it("reports every bad entry at once, one per line", () => {
    const error = parseError("LocalExecutor,,CeleryExecutor,a::b,LocalExecutor");
    assert.equal(error.code, "CONFIG_INVALID");
    assert.deepEqual(
      error.problems.map((p) => p.code),
      ["CONFIG_EXECUTOR_EMPTY_ENTRY", "CONFIG_EXECUTOR_AIRFLOW_ONLY", "CONFIG_EXECUTOR_TOO_MANY_COLONS", "CONFIG_EXECUTOR_DUPLICATE_CLASS"],
    );
    assert.equal(error.message.split("\n").length, 4);
  });
});

describe("lookupExecutorName", () => {
  const names = parseExecutorNames(
    ["LocalExecutor", "fast:LocalExecutor", "seq:SequentialExecutor", "gpu:./executors/gpu.js#GpuExecutor", "dflt:./executors/plain.js"],
    HOME,
  );
  const find = (s: string) => lookupExecutorName(names, s)?.name;

  it("finds by alias first", () => {
    assert.equal(find("fast"), "fast");
    assert.equal(find("gpu"), "gpu");
  });

  it("finds by module path, as written or absolute, with or without #Export", () => {
    for (const s of ["./executors/gpu.js", "./executors/gpu.js#GpuExecutor", "/srv/switchyard/executors/gpu.js", "/srv/switchyard/executors/gpu.js#GpuExecutor"]) {
      assert.equal(find(s), "gpu", s);
    }
    assert.equal(find("./executors/gpu.js#Other"), undefined);
    assert.equal(find("./executors/plain.js#default"), "dflt");
  });

  it("finds by class name; a shared class name means the entry without alias", () => {
    assert.equal(find("SequentialExecutor"), "seq");
    assert.equal(find("LocalExecutor"), "LocalExecutor");
    assert.equal(find("GpuExecutor"), "gpu");
    assert.equal(find("default"), undefined, "the implicit default export is not a class name");
    assert.equal(find("KubernetesExecutor"), undefined);
  });

  it("is ambiguous when several aliased entries share the class", () => {
    const two = parseExecutorNames(["a:LocalExecutor", "b:LocalExecutor", "c:./x.js#E", "d:./x.js#F"], HOME);
    assert.equal(lookupExecutorName(two, "LocalExecutor"), undefined);
    assert.equal(lookupExecutorName(two, "./x.js"), undefined, "two exports of one module: the path alone is ambiguous");
    assert.equal(lookupExecutorName(two, "./x.js#F")?.name, "d");
  });

  it("prefers an alias over a class name of the same spelling", () => {
    const mixed = parseExecutorNames(["GpuExecutor:LocalExecutor", "gpu:./gpu.js#GpuExecutor"], HOME);
    assert.equal(lookupExecutorName(mixed, "GpuExecutor")?.name, "GpuExecutor");
  });
});

describe("validateExecutorSections", () => {
  it("accepts sections named by alias or by the class of an entry without alias", () => {
    const home = makeHome(`[core]\nexecutor = "LocalExecutor,fast:LocalExecutor"\n[executors.LocalExecutor]\na = 1\n[executors.fast]\nb = 2\n`);
    const config = loadConfig({ home, env: {} });
    assert.doesNotThrow(() => validateExecutorSections(config, parseExecutorNames(config.core.executor, home)));
  });

  it("throws a ConfigError naming the section and the configured names", () => {
    const home = makeHome(`[core]\nexecutor = "LocalExecutor,fast:LocalExecutor"\n[executors.fast]\nb = 2\n`);
    const config = loadConfig({ home, env: {} });
    const names = parseExecutorNames(["LocalExecutor"], home);
    assert.throws(
      () => validateExecutorSections(config, names),
      (thrown: unknown) =>
        thrown instanceof ConfigError &&
        thrown.code === "CONFIG_UNKNOWN_EXECUTOR_SECTION" &&
        thrown.message.startsWith(`[executors.fast] (in ${config.configFile}): names no configured executor. Configured executors: LocalExecutor `),
    );
  });
});
