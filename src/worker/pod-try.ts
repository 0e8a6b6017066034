import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { SwitchyardError } from "../common/errors.js";
import { formatKey, keyString, type TaskInstanceKey } from "../common/keys.js";
import { tryLogFile, type EventInfo, type Workload } from "../common/workload.js";
import { runnerFoldersOf } from "../config/runner-folders.js";
import type { SwitchyardConfig } from "../config/types.js";
import { runTaskTry } from "../runner/run-task-try.js";
import type { TryOutcome } from "../runner/types.js";
import { describeIssues, workloadSchema } from "../runner/workload-schema.js";
import { streamLog } from "../cli/log-stream.js";
import { RESULT_PREFIX } from "../executors/kubernetes/pod-result.js";

/**
 * `switchyard tasks run … --workload <json>` inside a KubernetesExecutor's pod: run the one try
 * the workload names with the runner's own code (runTaskTry, what every runner process runs),
 * in this process (the pod is the isolation), never opening the metadata database. The try's log
 * goes to stdout (the pod log) as it is written; the last lines are the result (RESULT_PREFIX +
 * JSON, read by the executor) and, on failure, the reason (what FallbackToLogsOnError puts in the
 * termination message). Returns whether the try succeeded (exit code 0 or 1).
 */
export async function runPodTry(config: SwitchyardConfig, raw: string, args: TaskInstanceKey, signal: AbortSignal): Promise<boolean> {
  const workload = parseWorkload(raw, args);
  const folders = runnerFoldersOf(config);
  const logFile = tryLogFile(folders.baseLogFolder, workload);
  mkdirSync(dirname(logFile), { recursive: true });
  writeFileSync(logFile, "", { flag: "a" });
  let over = false;
  let wake = () => {};
  const streaming = streamLog(logFile, process.stdout, {
    follow: {
      done: async () => over,
      watch: (w) => {
        wake = w;
        return () => (wake = () => {});
      },
    },
  });
  const ignore = () => undefined;
  let outcome: TryOutcome;
  try {
    outcome = await runTaskTry(workload, { running: ignore, finished: ignore }, { folders, signal });
  } finally {
    over = true;
    wake();
    await streaming;
  }
  const info: EventInfo = outcome.info;
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify({ state: outcome.state, info })}\n`);
  if (outcome.state !== "success") process.stdout.write(`${formatKey(workload.key)} failed: ${info.error ?? "no reason given"}\n`);
  return outcome.state === "success";
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
