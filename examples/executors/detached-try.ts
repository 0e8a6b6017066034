/**
 * One try of the DetachedExecutor (detached-executor.ts), in a process of its own:
 * `node --import tsx detached-try.ts <try directory>`. It runs the workload in that directory
 * through `runTaskTry`, the runner every executor ends in, and records the running and terminal
 * reports there as whole files, for the executor (or the one of the next scheduler) to read.
 * SIGTERM stops the try: the task's processes are killed and the try records that it failed.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runTaskTry, type RunnerFolders, type Workload } from "@switchyard/core";

const dir = process.argv[2];
if (dir === undefined) {
  process.stderr.write("usage: detached-try.ts <try directory>\n");
  process.exit(2);
}

/** Written to a temporary name and renamed: a reader sees the whole file or none. */
function record(name: string, value: unknown): void {
  const file = join(dir!, name);
  writeFileSync(`${file}.tmp`, JSON.stringify(value));
  renameSync(`${file}.tmp`, file);
}

const workload = JSON.parse(readFileSync(join(dir, "workload.json"), "utf8")) as Workload;
const folders = JSON.parse(readFileSync(join(dir, "folders.json"), "utf8")) as RunnerFolders;
const stop = new AbortController();
process.on("SIGTERM", () => stop.abort());
await runTaskTry(
  workload,
  {
    running: (info) => record("running.json", info),
    finished: (state, info) => record("result.json", { state, info }),
  },
  { folders, signal: stop.signal },
);
