import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { SwitchyardError } from "../common/errors.js";
import { formatKey, keyString, type TaskInstanceKey } from "../common/keys.js";
import { tryLogFile, type EventInfo, type TaskEvent, type Workload } from "../common/workload.js";
import { runnerFoldersOf } from "../config/runner-folders.js";
import type { SwitchyardConfig } from "../config/types.js";
import { LocalExecutor } from "../executors/local.js";
import { describeIssues, workloadSchema } from "../runner/workload-schema.js";
import { streamLog } from "../cli/log-stream.js";
import { RESULT_PREFIX } from "../executors/kubernetes/pod-result.js";

/**
 * `switchyard tasks run … --workload <json>` inside a KubernetesExecutor's pod: run the one try
 * the workload names through the same warm-runner code as the LocalExecutor and the fleet's
 * workers, never opening the metadata database. The try's log goes to stdout (the pod log); the
 * last lines are the result (RESULT_PREFIX + JSON, read by the executor) and, on failure, the
 * reason (what FallbackToLogsOnError puts in the termination message). Exit code 0 or 1.
 */
export async function runPodTry(config: SwitchyardConfig, raw: string, args: TaskInstanceKey, signal: AbortSignal): Promise<boolean> {
  const workload = parseWorkload(raw, args);
  const folders = runnerFoldersOf(config);
  const logFile = tryLogFile(folders.baseLogFolder, workload);
  mkdirSync(dirname(logFile), { recursive: true });
  writeFileSync(logFile, "", { flag: "a" });
  const local = new LocalExecutor({
    name: { raw: "LocalExecutor", alias: null, className: "LocalExecutor", modulePath: null, modulePathAsWritten: null, name: "pod" },
    options: { parallelism: 1 },
    defaultParallelism: 1,
    home: config.home,
    folders,
  });
  const id = keyString(workload.key);
  let end: TaskEvent | null = null;
  let wake = () => {};
  local.onEvent(() => {
    for (const event of local.getEventBuffer()) if (keyString(event.key) === id && (event.state === "success" || event.state === "failed")) end = event;
    wake();
  });
  local.onTriesLost((_keys, why) => {
    end = { key: workload.key, state: "failed", info: { error: `lost: ${why}`, endDate: Date.now() } };
    wake();
  });
  const onAbort = () => void local.terminate();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    await local.start();
    local.queueWorkload(workload);
    const streaming = streamLog(logFile, process.stdout, {
      follow: {
        done: async () => end !== null,
        watch: (w) => {
          wake = w;
          return () => (wake = () => {});
        },
      },
    });
    await local.heartbeat();
    await streaming;
    const outcome: TaskEvent = end ?? { key: workload.key, state: "failed", info: { error: "the runner ended without a result" } };
    await local.end();
    const info: EventInfo = outcome.info;
    process.stdout.write(`${RESULT_PREFIX}${JSON.stringify({ state: outcome.state, info })}\n`);
    if (outcome.state !== "success") process.stdout.write(`${formatKey(workload.key)} failed: ${info.error ?? "no reason given"}\n`);
    return outcome.state === "success";
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

function parseWorkload(raw: string, args: TaskInstanceKey): Workload {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new SwitchyardError("BAD_WORKLOAD", `--workload is not JSON: ${(error as Error).message}`);
  }
  const parsed = workloadSchema.safeParse(json);
  if (!parsed.success) throw new SwitchyardError("BAD_WORKLOAD", `--workload is not a try's workload: ${describeIssues(parsed.error, "workload")}`);
  const workload = parsed.data as Workload;
  if (keyString(workload.key) !== keyString(args)) {
    throw new SwitchyardError("BAD_WORKLOAD", `--workload is for ${formatKey(workload.key)}, but the arguments name ${formatKey(args)}; they must agree`);
  }
  return workload;
}
