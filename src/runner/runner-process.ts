/**
 * Entry of a runner child (forked by an executor). Runs the tries the parent sends, several at a
 * time, and reports through the same TryReporter contract as every executor, over IPC.
 * If the parent goes away, the runner kills the process groups of its bash tries and exits at
 * once: no orphan keeps running a try nobody will hear about. A watchdog thread does the same
 * when a task blocks the event loop.
 */
import { errorLine } from "../common/errors.js";
import { keyString } from "../common/keys.js";
import { tryLogFile, type EventInfo, type RunnerFolders, type TaskEvent, type Workload } from "../common/workload.js";
import { LEASE_CHECK_MS, LEASE_EXPIRED_EXIT_CODE, PARENT_CHECK_MS, RUNNER_HEARTBEAT_MS } from "./constants.js";
import { TryStoppedError } from "./errors.js";
import { EventOutbox } from "./event-outbox.js";
import { guardProcessExit } from "./exit-guard.js";
import { catchStrayErrors, runAsTry } from "./try-context.js";
import { installOutputCapture } from "./output-capture.js";
import { preloadDagRuntime } from "./preload.js";
import { watchParent } from "./parent-watchdog.js";
import { killAllProcessGroups } from "./process-groups.js";
import { parseParentMessage, type ChildMessage, type ParentMessage } from "./protocol.js";
import { runTaskTry } from "./run-task-try.js";
import { appendClosingLine } from "./try-log.js";
import type { FnSlicePhase, TryReporter } from "./types.js";

if (process.send === undefined) {
  process.stderr.write("switchyard runner: must be started by an executor with an IPC channel (child_process.fork)\n");
  process.exit(2);
}

/** Told by whoever forked this runner (forkRunnerProcess): the scheduler's folders, or a worker's own. */
const folders = parseFolders(process.argv[2]);

function parseFolders(arg: string | undefined): RunnerFolders {
  try {
    const value: unknown = JSON.parse(arg ?? "");
    if (typeof value === "object" && value !== null) {
      const { dagsFolder, baseLogFolder } = value as Record<string, unknown>;
      if (typeof dagsFolder === "string" && typeof baseLogFolder === "string") return { dagsFolder, baseLogFolder };
    }
  } catch {
    // Reported below.
  }
  process.stderr.write(`switchyard runner: expected its folders as JSON {"dagsFolder","baseLogFolder"} in argv[2], got ${JSON.stringify(arg)}\n`);
  process.exit(2);
}

const tries = new Map<string, { readonly workload: Workload; readonly controller: AbortController; readonly done: Promise<unknown> }>();
let shuttingDown = false;
/** The executor's lease (epoch ms); null until the first one arrives. */
let leaseUntil: number | null = null;

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.connected || process.send === undefined) {
      reject(new Error("the executor is gone (IPC channel closed)"));
      return;
    }
    process.send(message, undefined, undefined, (error) => (error ? reject(error) : resolve()));
  });
}

/** Events of one turn of the event loop leave together: one write on the channel, not one per event. */
const outbox = new EventOutbox((events) => send(events.length === 1 ? { type: "event", event: events[0]! } : { type: "events", events }));

function reporterFor(workload: Workload): TryReporter {
  const event = (state: TaskEvent["state"], info: EventInfo): Promise<void> => outbox.send({ key: workload.key, state, info });
  return {
    running: (info) => event("running", info),
    finished: (state, info) => event(state, info),
  };
}

/** The try's log on this host; null when its path escapes the folder (its start failed the try, saying so). */
function logFileOf(workload: Workload): string | null {
  try {
    return tryLogFile(folders.baseLogFolder, workload);
  } catch {
    return null;
  }
}

function run(workload: Workload): void {
  const id = keyString(workload.key);
  if (tries.has(id) || shuttingDown) {
    process.stderr.write(`switchyard runner: ignored run of ${id}: ${shuttingDown ? "shutting down" : "already running"}\n`);
    return;
  }
  const controller = new AbortController();
  // Said at once, not at the next heartbeat: this slice, or the next try's in this same turn, may
  // block this loop, and the executor must know whose it is. IPC writes to the pipe at once.
  const onFnSlice = (phase: FnSlicePhase) => void send({ type: "fn", key: workload.key, phase }).catch(() => {});
  const done = runAsTry(id, () => runTaskTry(workload, reporterFor(workload), { folders, signal: controller.signal, onFnSlice })).finally(() => {
    tries.delete(id);
    if (shuttingDown && tries.size === 0) process.exit(0);
  });
  tries.set(id, { workload, controller, done });
}

function handle(message: ParentMessage): void {
  switch (message.type) {
    case "run":
      run(message.workload);
      return;
    case "runs":
      for (const workload of message.workloads) run(workload);
      return;
    case "kill":
      tries.get(keyString(message.key))?.controller.abort(new TryStoppedError(message.reason ?? "killed", false));
      return;
    case "shutdown":
      shuttingDown = true;
      if (tries.size === 0) process.exit(0);
      return;
    case "lease":
      leaseUntil = message.until;
      return;
  }
}

installOutputCapture();
guardProcessExit();
catchStrayErrors((id, error) => {
  const why = `the task raised outside the promise it returned (in a callback, or a promise nobody awaited): ${errorLine(error)}`;
  const entry = tries.get(id);
  // A try that has ended already has nobody to tell but the runner's stderr (the scheduler's log).
  if (entry === undefined) process.stderr.write(`switchyard runner: ${id}, after it ended: ${why}\n`);
  else entry.controller.abort(new TryStoppedError(why, false));
});
process.on("message", (raw: unknown) => {
  try {
    handle(parseParentMessage(raw));
  } catch (error) {
    // A bad message is the parent's bug; dropping it keeps every other try alive.
    process.stderr.write(`switchyard runner: ${errorLine(error)}\n`);
  }
});
process.on("disconnect", () => {
  killAllProcessGroups();
  process.exit(1);
});
// The same when a task blocks this process's event loop, which the handler above then never runs in.
watchParent(PARENT_CHECK_MS);
// A frozen scheduler (stopped, or its event loop blocked) can neither renew the lease nor stop
// these tries; its peers will re-run them once its heartbeat is stale. So the runner stops them.
setInterval(() => {
  // An idle runner stays: exiting would only have it replaced by one holding the same lease.
  if (leaseUntil === null || tries.size === 0 || Date.now() <= leaseUntil) return;
  killAllProcessGroups();
  const why =
    `stopped: the scheduler's lease ran out at ${new Date(leaseUntil).toISOString()} (it stopped renewing it: frozen, or cut off from ` +
    "the database), so another scheduler may run this task again; this try's result is not recorded";
  for (const { workload } of tries.values()) {
    const file = logFileOf(workload);
    if (file !== null) appendClosingLine(file, why);
  }
  process.exit(LEASE_EXPIRED_EXIT_CODE);
}, LEASE_CHECK_MS).unref();
// Proof that this event loop turns: the executor kills a runner that stays silent (see protocol.ts).
setInterval(() => {
  send({ type: "heartbeat" }).catch(() => {}); // a parent that is gone is handled by 'disconnect'
}, RUNNER_HEARTBEAT_MS).unref();
void send({ type: "ready" })
  .then(() => preloadDagRuntime())
  .catch(() => process.exit(1));
