import { hostname } from "node:os";
import { coerceError, errorLine, SwitchyardError } from "../common/errors.js";
import { formatKey } from "../common/keys.js";
import { resolveDagFile, tryLogFile, type EventInfo, type Workload } from "../common/workload.js";
import type { TaskContext } from "../dag/types.js";
import { KILL_GRACE_MS, MAX_TIMER_MS } from "./constants.js";
import { TryStoppedError } from "./errors.js";
import { runWithOutput } from "./output-capture.js";
import { resolveTask, type ResolvedTask } from "./resolve-task.js";
import { toReturnValue } from "./return-value.js";
import { describeBashExit, startBash } from "./run-bash.js";
import { TryLog } from "./try-log.js";
import type { FnSlicePhase, RunTaskTryOptions, TryOutcome, TryReporter, TryTerminalState } from "./types.js";

/** Looked up once per process: a uname(2) per try adds up at thousands of tries per second. */
const HOSTNAME = hostname();

/** The end of a try as the task kinds see it, before timing and host details are added. */
interface Ending {
  readonly state: TryTerminalState;
  readonly error?: string;
  readonly timedOut?: boolean;
  readonly returnValue?: unknown;
}

/**
 * Run one try of a task: open its log, import its DAG, report `running`, execute it, report the
 * terminal state. Never throws: every problem (missing task, bad log path, a reporter that fails)
 * ends as a `failed` outcome or a line in the log.
 */
export async function runTaskTry(
  workload: Workload,
  reporter: TryReporter,
  opts: RunTaskTryOptions,
): Promise<TryOutcome> {
  const startDate = Date.now();
  const base: EventInfo = { pid: process.pid, hostname: HOSTNAME, startDate };

  let log: TryLog;
  let logPath = workload.logRelativePath;
  try {
    logPath = tryLogFile(opts.folders.baseLogFolder, workload);
    log = await TryLog.open(logPath, workload.maxLogBytes);
  } catch (error) {
    const info = { ...base, endDate: Date.now(), error: `could not open log file ${logPath}: ${errorLine(error)}` };
    await report(() => reporter.finished("failed", info), null);
    return { state: "failed", info };
  }
  log.line(`switchyard: starting ${formatKey(workload.key)} on ${base.hostname} (pid ${process.pid})`);

  const stop = new AbortController();
  // The caller may say why (a TryStoppedError as the abort reason): that goes into the log and the error.
  const onKill = () => stop.abort(opts.signal?.reason instanceof TryStoppedError ? opts.signal.reason : new TryStoppedError("killed", false));
  if (opts.signal?.aborted) onKill();
  else opts.signal?.addEventListener("abort", onKill, { once: true });
  let timer: NodeJS.Timeout | undefined;

  let pid = process.pid;
  let ending: Ending;
  try {
    const resolved = await resolveTask(workload, resolveDagFile(opts.folders.dagsFolder, workload.dagFile));
    const timeout = workload.timeout ?? resolved.options.timeout ?? null;
    if (timeout !== null && !stop.signal.aborted) {
      const ms = Math.min(timeout * 1000, MAX_TIMER_MS);
      timer = setTimeout(() => stop.abort(new TryStoppedError(`timed out after ${timeout}s`, true)), ms);
    }
    const running = async (runPid: number) => {
      pid = runPid;
      await report(() => reporter.running({ ...base, pid: runPid }), log);
    };
    ending = await execute(workload, resolved, log, stop.signal, running, opts.killGraceMs ?? KILL_GRACE_MS, opts.onFnSlice);
  } catch (error) {
    const err = coerceError(error);
    // Our own errors say it all in their message; what they wrap (a DAG file's error) needs its stack.
    const detail = err instanceof SwitchyardError ? err.message : (err.stack ?? err.message);
    log.line(`switchyard: ${detail}`);
    if (err.cause !== undefined) log.line(`switchyard: caused by: ${coerceError(err.cause).stack ?? String(err.cause)}`);
    ending = { state: "failed", error: errorLine(err) };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onKill);
  }

  const endDate = Date.now();
  const info: EventInfo = { ...base, pid, endDate };
  if (ending.error !== undefined) info.error = ending.error;
  if (ending.timedOut === true) info.timedOut = true;
  if (ending.returnValue !== undefined) info.returnValue = ending.returnValue;
  if (ending.error !== undefined) log.line(`switchyard: error: ${ending.error}`);
  log.line(`switchyard: finished ${formatKey(workload.key)} state=${ending.state} duration=${((endDate - startDate) / 1000).toFixed(3)}s`);
  // Close before reporting: whoever reads the log after the terminal event sees all of it.
  log.close();
  await report(() => reporter.finished(ending.state, info), null);
  return { state: ending.state, info };
}

async function execute(
  workload: Workload,
  { dag, task, options }: ResolvedTask,
  log: TryLog,
  stop: AbortSignal,
  running: (pid: number) => Promise<void>,
  killGraceMs: number,
  onFnSlice?: (phase: FnSlicePhase) => void,
): Promise<Ending> {
  if (stop.aborted) return stoppedEnding(stop);
  switch (task.kind) {
    case "empty":
      await running(process.pid);
      return { state: "success" };
    case "bash": {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...(options.env ?? {}),
        SWITCHYARD_DAG_ID: dag.dagId,
        SWITCHYARD_TASK_ID: task.taskId,
        SWITCHYARD_RUN_ID: workload.key.runId,
        SWITCHYARD_MAP_INDEX: String(workload.key.mapIndex),
        SWITCHYARD_TRY_NUMBER: String(workload.key.tryNumber),
        SWITCHYARD_LOGICAL_DATE: workload.logicalDate,
      };
      const bash = await startBash(task.command ?? "", env, log);
      const onStop = () => void bash.stop(killGraceMs);
      stop.addEventListener("abort", onStop, { once: true });
      if (stop.aborted) onStop(); // aborted while bash was starting
      try {
        await running(bash.pid);
        const exit = await bash.exited;
        if (stop.aborted) return stoppedEnding(stop);
        return exit.code === 0 ? { state: "success" } : { state: "failed", error: describeBashExit(exit) };
      } finally {
        stop.removeEventListener("abort", onStop);
      }
    }
    case "fn": {
      const fn = task.fn;
      if (fn === undefined) return { state: "failed", error: `task '${task.taskId}' is an fn task without a function` };
      await running(process.pid);
      const ctx: TaskContext = {
        dagId: dag.dagId,
        taskId: task.taskId,
        runId: workload.key.runId,
        mapIndex: workload.key.mapIndex,
        tryNumber: workload.key.tryNumber,
        logicalDate: workload.logicalDate,
        conf: workload.conf,
        signal: stop,
        log: (...args: unknown[]) => log.taskLine(...args),
      };
      const stopped = new Promise<"stopped">((resolve) => {
        if (stop.aborted) resolve("stopped");
        else stop.addEventListener("abort", () => resolve("stopped"), { once: true });
      });
      // The fn may ignore ctx.signal: the try ends at the timeout anyway and its later output is dropped.
      onFnSlice?.("calling");
      const called = runWithOutput(log, async () => ({ value: await fn(ctx) }));
      onFnSlice?.("returned");
      const result = await Promise.race([called.then((ok) => ok, (error: unknown) => ({ error })), stopped]);
      if (result === "stopped") return stoppedEnding(stop);
      if ("error" in result) {
        const err = coerceError(result.error);
        log.line(`switchyard: task raised: ${err.stack ?? err.message}`);
        return { state: "failed", error: errorLine(err) };
      }
      const kept = toReturnValue(result.value);
      if (kept.kind === "dropped") log.line(`switchyard: ${kept.note}`);
      return kept.kind === "value" ? { state: "success", returnValue: kept.value } : { state: "success" };
    }
  }
}

function stoppedEnding(stop: AbortSignal): Ending {
  const reason: unknown = stop.reason;
  if (reason instanceof TryStoppedError) return { state: "failed", error: reason.message, timedOut: reason.timedOut || undefined };
  return { state: "failed", error: "killed" };
}

/** A reporter that throws must not take the try down with it; say so in the log (or on stderr). */
async function report(call: () => void | Promise<void>, log: TryLog | null): Promise<void> {
  try {
    await call();
  } catch (error) {
    const line = `switchyard: could not report try state: ${errorLine(error)}`;
    if (log !== null && !log.closed) log.line(line);
    else process.stderr.write(`${line}\n`);
  }
}
