import { SwitchyardError } from "../common/errors.js";
import type { TaskInstanceKey } from "../common/keys.js";
import type { SwitchyardConfig } from "../config/types.js";
import type { TaskLog } from "../executors/base.js";
import type { TaskInstanceRef } from "../executors/types.js";
import type { FollowOptions } from "./log-stream.js";

/** How often --follow asks the executor again when the database has not announced a change. */
const FOLLOW_POLL_MS = 1000;

export interface ExecutorLogRequest {
  readonly config: SwitchyardConfig;
  /** The executor that ran the try, as the task_log row names it. */
  readonly executor: string;
  readonly ti: Omit<TaskInstanceRef, "key">;
  readonly key: TaskInstanceKey;
  /** Where the log would be on this host (for the message when no executor has it either). */
  readonly missingFile: string;
  /** Whether the try is over (nothing more will be written to its log). */
  readonly over: boolean;
  readonly tail?: number;
  readonly follow?: FollowOptions;
}

/**
 * The log of a try that ran on another host (a fleet worker): no file here, so the executor that
 * ran it is asked (`getTaskLog`), with its lines printed to `out` and where they came from to
 * `err`. With `follow`, asks again until the try is over and prints what was added.
 */
export async function printExecutorLog(req: ExecutorLogRequest, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<void> {
  const { loadExecutors } = await import("../executors/loader.js");
  const noFile = `the log of try ${req.key.tryNumber} should be at ${req.missingFile} but that file does not exist`;
  const executor = (await loadExecutors(req.config)).lookup(req.executor);
  if (executor === undefined) {
    throw new SwitchyardError(
      "NO_LOG",
      `${noFile}, and executor "${req.executor}" that ran it is not configured here ([core] executor = ${JSON.stringify(req.config.core.executor.join(","))}) to ask for it`,
    );
  }
  const ref: TaskInstanceRef = { ...req.ti, key: req.key };
  const fetch = (): Promise<TaskLog> => executor.getTaskLog(ref, req.key.tryNumber);
  let log = await fetch();
  if (log.messages.length === 0 && log.lines.length === 0) {
    throw new SwitchyardError("NO_LOG", `${noFile} (the try may not have started, or ran on another host), and executor "${req.executor}" keeps no copy`);
  }
  if (log.lines.length === 0 && log.error !== undefined) {
    throw new SwitchyardError("NO_LOG", `${noFile}, and executor "${req.executor}" could not be asked: ${log.error}`);
  }
  if (log.lines.length === 0 && req.over) {
    // A try that is over and left nothing readable: as much "no log" as a missing file.
    throw new SwitchyardError("NO_LOG", `${noFile}, and executor "${req.executor}" has none to give: ${log.messages.join("; ")}`);
  }
  for (const message of log.messages) err.write(`switchyard: ${message}\n`);
  let printed = req.tail === undefined ? 0 : Math.max(0, log.lines.length - req.tail);
  const print = (lines: readonly string[]) => {
    for (let i = printed; i < lines.length; i++) out.write(`${lines[i]}\n`);
    printed = Math.max(printed, lines.length);
  };
  print(log.lines);
  if (req.follow === undefined) return;
  const follow = req.follow;
  let wake: () => void = () => undefined;
  const stopWatching = follow.watch(() => wake());
  try {
    for (;;) {
      const over = await follow.done(); // asked before fetching, so lines shipped just before the end are not missed
      log = await fetch();
      print(log.lines);
      if (over) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, FOLLOW_POLL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = () => undefined;
    }
  } finally {
    stopWatching();
  }
}
