import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SwitchyardError } from "../../src/common/errors.js";
import { sqliteFileOf } from "../../src/config/database-url.js";
import { ConfigError, ExecutorConfigError } from "../../src/config/errors.js";
import { loadConfig } from "../../src/config/load.js";
import { makeHome } from "./helpers.js";

/** loadConfig's ConfigError, for assertions on its code and lines. */
function loadError(home: string, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    loadConfig({ home, env });
  } catch (thrown) {
    assert.ok(thrown instanceof ConfigError, `expected a ConfigError, got ${String(thrown)}`);
    return thrown;
  }
  assert.fail("loadConfig did not throw");
}

describe("loadConfig: defaults and file values", () => {
  it("fills every default when there is no config file", () => {
    const home = makeHome();
    const config = loadConfig({ home, env: {} });
    assert.equal(config.database.url.reveal(), `sqlite:///${join(home, "switchyard.db")}`);
    assert.deepEqual({ ...config, database: { ...config.database, url: String(config.database.url) } }, {
      home,
      configFile: null,
      core: {
        executor: ["LocalExecutor"],
        parallelism: 32,
        dagsFolder: join(home, "dags"),
        maxActiveTasksPerDag: 16,
        maxActiveRunsPerDag: 16,
        taskQueuedTimeout: 600,
        dagbagImportTimeout: 30,
        loadExamples: false,
        dagsArePausedAtCreation: false,
        defaultQueue: "default",
        dagParseCache: true,
        dagbagImportMemoryMb: 1024,
      },
      database: { url: `sqlite:///${join(home, "switchyard.db")}`, poolSize: 5, statementTimeout: 30000, preparedStatements: true, schema: "public" },
      scheduler: {
        jobHeartbeatSec: 5,
        schedulerHealthCheckThreshold: 30,
        taskHeartbeatTimeout: 30,
        numStuckInQueuedRetries: 2,
        maxTisPerQuery: 512,
        idleWakeInterval: 1,
        waitingLogInterval: 300,
        zombieDetectionInterval: 10,
        orphanedTasksCheckInterval: 10,
        taskQueuedTimeoutCheckInterval: 10,
        standaloneDagProcessor: false,
      },
      logging: { baseLogFolder: join(home, "logs"), maxTaskLogMb: 100, level: "info" },
      executors: {},
    });
  });

  it("reads every section of switchyard.toml and keeps executor sections raw", () => {
    const home = makeHome(`
[core]
executor = "LocalExecutor, fast:LocalExecutor"
parallelism = 8
max_active_tasks_per_dag = 4
max_active_runs_per_dag = 2
task_queued_timeout = 120.5
dagbag_import_timeout = 10
load_examples = true
dags_are_paused_at_creation = true
default_queue = "io"

[database]
url = "postgresql://me@127.0.0.1:5432/test"
pool_size = 10
statement_timeout = 0

[scheduler]
job_heartbeat_sec = 2
scheduler_health_check_threshold = 20
task_heartbeat_timeout = 60
num_stuck_in_queued_retries = 0
max_tis_per_query = 64
idle_wake_interval = 0.25

[logging]
level = "DEBUG"

[executors.fast]
parallelism = 4
queues = ["a", "b"]
pod = { cpu = "1" }
`);
    const config = loadConfig({ home, env: {} });
    assert.equal(config.configFile, join(home, "switchyard.toml"));
    assert.deepEqual(config.core.executor, ["LocalExecutor", "fast:LocalExecutor"]);
    assert.equal(config.core.parallelism, 8);
    assert.equal(config.core.taskQueuedTimeout, 120.5);
    assert.equal(config.core.loadExamples, true);
    assert.equal(config.core.defaultQueue, "io");
    assert.equal(config.database.url.reveal(), "postgresql://me@127.0.0.1:5432/test");
    assert.equal(config.database.statementTimeout, 0);
    assert.equal(config.scheduler.idleWakeInterval, 0.25);
    assert.equal(config.scheduler.numStuckInQueuedRetries, 0);
    assert.equal(config.logging.level, "debug", "levels are read ignoring case");
    assert.deepEqual({ ...config.executors["fast"] }, { parallelism: 4, queues: ["a", "b"], pod: { cpu: "1" } });
  });

  it("accepts the executor entries as a TOML array", () => {
    const home = makeHome(`[core]\nexecutor = [" LocalExecutor ", "seq:SequentialExecutor"]\n`);
    assert.deepEqual(loadConfig({ home, env: {} }).core.executor, ["LocalExecutor", "seq:SequentialExecutor"]);
  });

  it("returns a frozen config", () => {
    const config = loadConfig({ home: makeHome(`[executors.LocalExecutor]\nx = [1]\n`), env: {} });
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.core) && Object.isFrozen(config.core.executor));
    assert.ok(Object.isFrozen(config.executors["LocalExecutor"]!["x"]));
  });
});

describe("loadConfig: home and paths", () => {
  it("takes home from options, else SWITCHYARD_HOME, else the current directory, made absolute", () => {
    const home = makeHome(`[core]\nparallelism = 3\n`);
    assert.equal(loadConfig({ env: { SWITCHYARD_HOME: home } }).core.parallelism, 3);
    assert.equal(loadConfig({ home, env: { SWITCHYARD_HOME: "/nonexistent" } }).home, home);
    const cwd = process.cwd();
    try {
      process.chdir(home);
      assert.equal(loadConfig({ env: {} }).home, process.cwd());
      assert.equal(loadConfig({ home: ".", env: {} }).core.parallelism, 3);
    } finally {
      process.chdir(cwd);
    }
  });

  it("resolves relative dags_folder, base_log_folder and SQLite files against home", () => {
    const home = makeHome(`
[core]
dags_folder = "pipelines/dags"
[database]
url = "sqlite:///./state/sy.db"
[logging]
base_log_folder = "../shared-logs"
`);
    const config = loadConfig({ home, env: {} });
    assert.equal(config.core.dagsFolder, join(home, "pipelines/dags"));
    assert.equal(config.logging.baseLogFolder, join(home, "../shared-logs"));
    assert.equal(config.database.url.reveal(), `sqlite:///${join(home, "state/sy.db")}`);
    assert.equal(sqliteFileOf(config.database.url.reveal()), join(home, "state/sy.db"));
    assert.equal(sqliteFileOf("sqlite://:memory:"), null);
    assert.equal(sqliteFileOf("postgresql://x/y"), null);
  });

  it("keeps absolute paths, sqlite:////absolute, sqlite://:memory: and postgres:// as written", () => {
    const urls: Array<[string, (home: string) => string]> = [
      ["sqlite:///x.db", (home) => `sqlite:///${join(home, "x.db")}`],
      ["sqlite:////var/lib/sy.db", () => "sqlite:////var/lib/sy.db"],
      ["sqlite://:memory:", () => "sqlite://:memory:"],
      ["postgres://u:p@db:5432/sy?sslmode=require", () => "postgres://u:p@db:5432/sy?sslmode=require"],
    ];
    for (const [url, expected] of urls) {
      const home = makeHome(`[core]\ndags_folder = "/srv/dags"\n[database]\nurl = "${url}"\n`);
      const config = loadConfig({ home, env: {} });
      assert.equal(config.database.url.reveal(), expected(home));
      assert.equal(config.core.dagsFolder, "/srv/dags");
    }
  });

  it("rejects other database URLs, naming the valid forms", () => {
    for (const [url, reason] of [
      ["mysql://localhost/sy", 'unsupported database "mysql"'],
      ["sqlite://x.db", "not a valid SQLite URL"],
      ["sqlite:///", "names no database file"],
      ["sqlite:///:memory:", "an in-memory database is written sqlite://:memory:"],
      ["./switchyard.db", "not a database URL"],
    ]) {
      const error = loadError(makeHome(`[database]\nurl = "${url}"\n`));
      assert.equal(error.code, "CONFIG_INVALID_VALUE");
      assert.match(error.message, new RegExp(`^\\[database\\] url = "${url.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}" \\(in .*switchyard\\.toml\\): `));
      assert.ok(error.message.includes(reason), error.message);
      if (!reason.includes(":memory:")) {
        assert.ok(error.message.includes("sqlite:////absolute/path.db, sqlite://:memory:, or postgresql://"), error.message);
      }
    }
  });
});

describe("loadConfig: errors in the file", () => {
  it("reports a TOML syntax error with the file, line, column and the parser's reason", () => {
    const home = makeHome(`[core]\nparallelism = = 3\n`);
    const error = loadError(home);
    assert.equal(error.code, "CONFIG_SYNTAX");
    assert.ok(error instanceof SwitchyardError);
    const [first, ...excerpt] = error.message.split("\n");
    assert.equal(first, `${join(home, "switchyard.toml")}:2:15: TOML syntax error: invalid value`);
    assert.ok(excerpt.some((line) => line.includes("parallelism = = 3")), error.message);
  });

  it("reports an unreadable config file", () => {
    const home = makeHome();
    mkdirSync(join(home, "switchyard.toml"));
    const error = loadError(home);
    assert.equal(error.code, "CONFIG_READ");
    assert.match(error.message, /switchyard\.toml: cannot be read: EISDIR/);
  });

  it("names an unknown key, suggests the closest one and lists the section's keys", () => {
    const error = loadError(makeHome(`[core]\nparalelism = 4\n`));
    assert.equal(error.code, "CONFIG_UNKNOWN_KEY");
    assert.match(error.message, /^\[core\] paralelism \(in .*switchyard\.toml\): unknown key \(did you mean parallelism\?\)\. /);
    assert.match(error.message, /Valid keys in \[core\]: executor, parallelism, dags_folder, max_active_tasks_per_dag, .*default_queue, dag_parse_cache, dagbag_import_memory_mb$/);
  });

  it("suggests the snake_case key for a camelCase one", () => {
    assert.match(loadError(makeHome(`[scheduler]\nmaxTisPerQuery = 4\n`)).message, /did you mean max_tis_per_query\?/);
  });

  it("names an unknown section and lists the valid ones", () => {
    const error = loadError(makeHome(`[schedular]\njob_heartbeat_sec = 4\n`));
    assert.equal(error.code, "CONFIG_UNKNOWN_SECTION");
    assert.equal(
      error.message.replace(/\(in .*?\)/, "(in F)"),
      "[schedular] (in F): unknown section (did you mean [scheduler]?). Valid sections: [core], [database], [scheduler], [logging], [executors.<name>]",
    );
  });

  it("says Airflow's [celery] section has no equivalent, and where executor settings go", () => {
    const message = loadError(makeHome(`[celery]\nworker_concurrency = 4\n`)).message;
    assert.match(message, /\[celery\].*Switchyard has no Celery; executor settings such as parallelism go in the executor's own section, \[executors\.<name>\]/);
    assert.doesNotMatch(message, /BullMQ/, "names no executor this build lacks");
  });

  it("says which section a key written outside any section belongs to", () => {
    const error = loadError(makeHome(`parallelism = 4\n`));
    assert.equal(error.code, "CONFIG_UNKNOWN_KEY");
    assert.match(error.message, /^parallelism = 4 \(in .*\): this key is outside any section; put it under \[core\]$/);
  });

  it("rejects a section or an executor section that is not a table", () => {
    assert.match(loadError(makeHome(`core = 3\n`)).message, /^core = 3 \(in .*\): must be a table: write \[core\]/);
    assert.match(loadError(makeHome(`[executors]\nfleet = 3\n`)).message, /^\[executors\] fleet = 3 \(in .*\): .*write \[executors\.fleet\]/);
  });

  it("names [section] key, the value given and what is valid", () => {
    const error = loadError(makeHome(`[core]\nparallelism = 0\n`));
    assert.equal(error.code, "CONFIG_INVALID_VALUE");
    assert.match(
      error.message,
      /^\[core\] parallelism = 0 \(in .*switchyard\.toml\): must be an integer >= 1 \(the most task instances queued or running across all executors\)$/,
    );
  });

  it("checks every key's type and range", () => {
    const cases: Array<[string, string, string, string]> = [
      ["core", "parallelism", "-1", "an integer >= 1"],
      ["core", "parallelism", "2.5", "an integer >= 1"],
      ["core", "parallelism", '"32"', "an integer >= 1"],
      ["core", "executor", "3", "a comma-separated string or an array of strings"],
      ["core", "dags_folder", '""', "a non-empty path"],
      ["core", "max_active_tasks_per_dag", "0", "an integer >= 1"],
      ["core", "max_active_runs_per_dag", "0", "an integer >= 1"],
      ["core", "task_queued_timeout", "0", "a number of seconds > 0"],
      ["core", "dagbag_import_timeout", "-3", "a number of seconds > 0"],
      ["core", "load_examples", '"yes"', "true or false"],
      ["core", "dags_are_paused_at_creation", "1", "true or false"],
      ["core", "default_queue", '" "', "a non-empty string"],
      ["core", "dag_parse_cache", '"no"', "true or false"],
      ["core", "dagbag_import_memory_mb", "8", "an integer >= 16"],
      ["scheduler", "standalone_dag_processor", '"yes"', "true or false"],
      ["database", "pool_size", "0", "an integer >= 1"],
      ["database", "statement_timeout", "-1", "an integer >= 0"],
      ["database", "url", "5", "a database URL"],
      ["scheduler", "job_heartbeat_sec", "0", "a number of seconds > 0"],
      ["scheduler", "scheduler_health_check_threshold", "inf", "a number of seconds > 0"],
      ["scheduler", "task_heartbeat_timeout", "nan", "a number of seconds > 0"],
      ["scheduler", "num_stuck_in_queued_retries", "-1", "an integer >= 0"],
      ["scheduler", "max_tis_per_query", "0", "an integer >= 1"],
      ["scheduler", "waiting_log_interval", "-5", "a number of seconds > 0"],
      ["scheduler", "idle_wake_interval", "0", "a number of seconds > 0"],
      ["logging", "base_log_folder", "[]", "a non-empty path"],
      ["logging", "level", '"verbose"', "one of trace, debug, info, warn, error, fatal, silent"],
    ];
    for (const [section, key, value, expect] of cases) {
      const error = loadError(makeHome(`[${section}]\n${key} = ${value}\n`));
      assert.equal(error.code, "CONFIG_INVALID_VALUE", `${section}.${key}`);
      assert.ok(error.message.startsWith(`[${section}] ${key} = ${value} (in `), error.message);
      assert.ok(error.message.includes(`: must be ${expect}`), error.message);
    }
  });

  it("requires scheduler_health_check_threshold to exceed job_heartbeat_sec", () => {
    assert.match(
      loadError(makeHome(`[scheduler]\njob_heartbeat_sec = 10\nscheduler_health_check_threshold = 10\n`)).message,
      /^\[scheduler\] scheduler_health_check_threshold = 10 \(in .*\): must be greater than \[scheduler\] job_heartbeat_sec \(10\)/,
    );
    assert.match(
      loadError(makeHome(`[scheduler]\njob_heartbeat_sec = 60\n`)).message,
      /^\[scheduler\] job_heartbeat_sec = 60 \(in .*\): must be less than \[scheduler\] scheduler_health_check_threshold \(30\)/,
    );
  });

  it("collects every problem, one per line", () => {
    const home = makeHome(`
[core]
parallelism = 0
paralelism = 4
executor = "LocalExecutor,,CeleryExecutor"
[database]
url = "mysql://x"
[webserver]
port = 8080
`);
    const error = loadError(home, { SWITCHYARD__LOGGING__LEVEL: "loud" });
    assert.equal(error.code, "CONFIG_INVALID");
    assert.deepEqual(
      error.problems.map((p) => p.code),
      [
        "CONFIG_UNKNOWN_KEY",
        "CONFIG_UNKNOWN_SECTION",
        "CONFIG_INVALID_VALUE",
        "CONFIG_INVALID_VALUE",
        "CONFIG_INVALID_VALUE",
        "CONFIG_EXECUTOR_EMPTY_ENTRY",
        "CONFIG_EXECUTOR_AIRFLOW_ONLY",
      ],
    );
    const lines = error.message.split("\n");
    assert.equal(lines.length, 7);
    assert.match(lines[0]!, /^\[core\] paralelism /);
    assert.match(lines[1]!, /^\[webserver\] /);
    assert.match(lines[2]!, /^\[core\] parallelism = 0 /);
    assert.match(lines[3]!, /^\[database\] url = "mysql:\/\/x" /);
    assert.match(lines[4]!, /^\[logging\] level = "loud" \(from SWITCHYARD__LOGGING__LEVEL\)/);
    assert.match(lines[5]!, /entry 2 is empty/);
    assert.match(lines[6]!, /entry 3 "CeleryExecutor" \(in .*\): CeleryExecutor is Airflow's/);
  });
});

describe("loadConfig: executor entries and sections", () => {
  it("throws an ExecutorConfigError naming the file when only [core] executor is wrong", () => {
    const home = makeHome(`[core]\nexecutor = "LocalExecutor,LocalExecutor"\n`);
    const error = loadError(home);
    assert.ok(error instanceof ExecutorConfigError);
    assert.equal(error.code, "CONFIG_EXECUTOR_DUPLICATE_CLASS");
    assert.equal(
      error.message,
      `[core] executor entries 1 and 2 (in ${join(home, "switchyard.toml")}): are both LocalExecutor without an alias to tell them apart; give one an alias, e.g. fast:LocalExecutor`,
    );
  });

  it("rejects an [executors.<name>] section that names no configured executor", () => {
    const home = makeHome(`
[core]
executor = "LocalExecutor,fast:LocalExecutor"
[executors.fats]
parallelism = 4
`);
    const error = loadError(home);
    assert.equal(error.code, "CONFIG_UNKNOWN_EXECUTOR_SECTION");
    assert.equal(
      error.message,
      `[executors.fats] (in ${join(home, "switchyard.toml")}): names no configured executor (did you mean [executors.fast]?). ` +
        "Configured executors: LocalExecutor, fast (a section is named by the entry's alias, or by its class name when it has none)",
    );
  });

  it("points a section named by class to the entry's alias", () => {
    const error = loadError(makeHome(`[core]\nexecutor = "fleet:LocalExecutor"\n[executors.LocalExecutor]\nparallelism = 4\n`));
    assert.match(error.message, /^\[executors\.LocalExecutor\] .*did you mean \[executors\.fleet\]\?/);
  });
});

describe("loadConfig: environment overrides", () => {
  it("overrides the file, coercing strings to each key's type", () => {
    const home = makeHome(`[core]\nparallelism = 8\nload_examples = true\n`);
    const config = loadConfig({
      home,
      env: {
        SWITCHYARD__CORE__PARALLELISM: "64",
        SWITCHYARD__core__load_examples: "False",
        SWITCHYARD__CORE__EXECUTOR: "LocalExecutor, seq:SequentialExecutor",
        SWITCHYARD__CORE__TASK_QUEUED_TIMEOUT: "1.5e2",
        SWITCHYARD__CORE__DAGS_FOLDER: "elsewhere",
        SWITCHYARD__DATABASE__URL: "sqlite:///env.db",
        SWITCHYARD__LOGGING__LEVEL: "warn",
        SWITCHYARD_HOME: "/ignored/because/home/is/given",
        AIRFLOW__CORE__PARALLELISM: "1",
      },
    });
    assert.equal(config.core.parallelism, 64);
    assert.equal(config.core.loadExamples, false);
    assert.deepEqual(config.core.executor, ["LocalExecutor", "seq:SequentialExecutor"]);
    assert.equal(config.core.taskQueuedTimeout, 150);
    assert.equal(config.core.dagsFolder, join(home, "elsewhere"));
    assert.equal(config.database.url.reveal(), `sqlite:///${join(home, "env.db")}`);
    assert.equal(config.logging.level, "warn");
  });

  it("names the variable when its value is invalid", () => {
    for (const [name, value, expected] of [
      ["SWITCHYARD__CORE__PARALLELISM", "lots", '[core] parallelism = "lots" (from SWITCHYARD__CORE__PARALLELISM): must be an integer >= 1'],
      ["SWITCHYARD__CORE__PARALLELISM", "0", "[core] parallelism = 0 (from SWITCHYARD__CORE__PARALLELISM): must be an integer >= 1"],
      ["SWITCHYARD__CORE__LOAD_EXAMPLES", "yes", '[core] load_examples = "yes" (from SWITCHYARD__CORE__LOAD_EXAMPLES): must be true or false'],
      ["SWITCHYARD__DATABASE__URL", "redis://x", '[database] url = "redis://x" (from SWITCHYARD__DATABASE__URL): unsupported database "redis"'],
    ]) {
      const error = loadError(makeHome(`[core]\nparallelism = 4\n`), { [name!]: value });
      assert.equal(error.code, "CONFIG_INVALID_VALUE");
      assert.ok(error.message.startsWith(expected!), error.message);
    }
  });

  it("names the variable for an unknown section or key, or a malformed name", () => {
    const error = loadError(makeHome(), {
      SWITCHYARD__CORE__PARALELISM: "4",
      SWITCHYARD__WEB__PORT: "80",
      SWITCHYARD__CORE: "x",
      SWITCHYARD__CORE__A__B: "x",
      SWITCHYARD__EXECUTORS__FAST: "x",
      SWITCHYARD____X: "x",
    });
    const lines = error.message.split("\n");
    const form = "not a config variable name; expected SWITCHYARD__<SECTION>__<KEY> or SWITCHYARD__EXECUTORS__<NAME>__<KEY>";
    assert.deepEqual(lines, [
      `SWITCHYARD__CORE: ${form}`,
      `SWITCHYARD__CORE__A__B: ${form}`,
      lines[2]!,
      `SWITCHYARD__EXECUTORS__FAST: ${form}`,
      "[web] (from SWITCHYARD__WEB__PORT): unknown section. Valid sections: [core], [database], [scheduler], [logging], [executors.<name>]",
      `SWITCHYARD____X: ${form}`,
    ]);
    assert.match(lines[2]!, /^\[core\] paralelism \(from SWITCHYARD__CORE__PARALELISM\): unknown key \(did you mean parallelism\?\)\. Valid keys in \[core\]: /);
  });

  it("reports two variables that set the same key", () => {
    const error = loadError(makeHome(), { SWITCHYARD__CORE__PARALLELISM: "4", SWITCHYARD__core__parallelism: "5" });
    assert.equal(error.message, "SWITCHYARD__core__parallelism: SWITCHYARD__CORE__PARALLELISM sets [core] parallelism too; keep one of them");
  });

  it("matches executor section names ignoring case and reads values as TOML when they are", () => {
    const home = makeHome(`
[core]
executor = "LocalExecutor,Fast-Lane:LocalExecutor"
[executors.Fast-Lane]
image_tag = "1"
`);
    const config = loadConfig({
      home,
      env: {
        "SWITCHYARD__EXECUTORS__FAST-LANE__PARALLELISM": "64",
        "SWITCHYARD__EXECUTORS__FAST-LANE__IMAGE_TAG": "2.0",
        "SWITCHYARD__EXECUTORS__FAST-LANE__VERSION": "2.0",
        "SWITCHYARD__EXECUTORS__FAST-LANE__QUOTED": '"2.0"',
        "SWITCHYARD__EXECUTORS__FAST-LANE__QUEUES": '["a", "b"]',
        "SWITCHYARD__EXECUTORS__FAST-LANE__NAMESPACE": "jobs",
        SWITCHYARD__EXECUTORS__LOCALEXECUTOR__ISOLATION: "process",
        SWITCHYARD__EXECUTORS__LOCALEXECUTOR__WARM: "true",
      },
    });
    assert.deepEqual(
      { ...config.executors["Fast-Lane"] },
      { image_tag: "2.0", parallelism: 64, version: 2, namespace: "jobs", quoted: "2.0", queues: ["a", "b"] },
    );
    assert.deepEqual({ ...config.executors["LocalExecutor"] }, { isolation: "process", warm: true });
  });

  it("matches executor sections against the [core] executor set by the environment", () => {
    const config = loadConfig({
      home: makeHome(),
      env: { SWITCHYARD__CORE__EXECUTOR: "LocalExecutor,Fleet:LocalExecutor", SWITCHYARD__EXECUTORS__FLEET__PARALLELISM: "3" },
    });
    assert.deepEqual({ ...config.executors["Fleet"] }, { parallelism: 3 });
  });

  it("names the variable that creates an executor section no executor uses", () => {
    const error = loadError(makeHome(), { SWITCHYARD__EXECUTORS__FLEET__PARALLELISM: "3" });
    assert.equal(error.code, "CONFIG_UNKNOWN_EXECUTOR_SECTION");
    assert.match(error.message, /^\[executors\.fleet\] \(from SWITCHYARD__EXECUTORS__FLEET__PARALLELISM\): names no configured executor\. Configured executors: LocalExecutor /);
  });

  it("names the variable for bad executor entries", () => {
    const error = loadError(makeHome(), { SWITCHYARD__CORE__EXECUTOR: "" });
    assert.ok(error instanceof ExecutorConfigError);
    assert.equal(error.code, "CONFIG_EXECUTOR_NONE");
    assert.match(error.message, /^\[core\] executor = "" \(from SWITCHYARD__CORE__EXECUTOR\): no executor configured/);
  });
});
