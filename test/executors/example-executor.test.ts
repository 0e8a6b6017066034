import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/load.js";
import { loadExecutors } from "../../src/executors/loader.js";
import * as publicApi from "../../src/index.js";
import { Driver, tempDir, workload } from "./helpers.js";

const EXAMPLE = resolve(fileURLToPath(import.meta.url), "../../../examples/executors/echo-executor.ts");
const NEEDED = ["BaseExecutor", "runTaskTry", "keyString"] as const;
const missing = NEEDED.filter((name) => !(name in publicApi));

describe("examples/executors/echo-executor.ts", () => {
  it("loads through [core] executor and runs a try", { skip: missing.length > 0 ? `src/index.ts does not export ${missing.join(", ")} yet` : false }, async (t) => {
    const home = await tempDir(t);
    const entry = `echo:./${relative(home, EXAMPLE)}#EchoExecutor`;
    await writeFile(join(home, "switchyard.toml"), `[core]\nexecutor = "${entry}"\n# The test's workloads name files by their absolute path (TEST_FOLDERS).\ndags_folder = "/"\n[logging]\nbase_log_folder = "/"\n[executors.echo]\nparallelism = 2\nprefix = "test-echo"\n`);
    const set = await loadExecutors(loadConfig({ home, env: {} }));
    const echo = set.default;
    assert.equal(echo.constructor.name, "EchoExecutor");
    assert.equal(echo.parallelism, 2);
    await echo.start();
    const driver = new Driver(echo);
    t.after(async () => {
      driver.close();
      await echo.terminate();
    });
    const w = workload(home, { taskId: "ret" });
    echo.queueWorkload(w);
    const end = await driver.terminal(w);
    assert.equal(end.state, "success");
    assert.match(driver.of(w)[0]!.info.externalExecutorId!, /^test-echo-\d+$/);
  });
});
