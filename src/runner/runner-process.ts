/**
 * Entry of a runner child (forked by an executor). Runs the tries the parent sends, several at a
 * time, and reports through the same TryReporter contract as every executor, over IPC.
 * If the parent goes away, the runner kills the process groups of its bash tries and exits at
 * once: no orphan keeps running a try nobody will hear about.
 */
import { errorLine } from "../common/errors.js";
import { keyString } from "../common/keys.js";
import type { EventInfo, TaskEvent, Workload } from "../common/workload.js";
import { installOutputCapture } from "./output-capture.js";
import { killAllProcessGroups } from "./process-groups.js";
import { parseParentMessage, type ChildMessage, type ParentMessage } from "./protocol.js";
import { runTaskTry } from "./run-task-try.js";
import type { TryReporter } from "./types.js";

if (process.send === undefined) {
  process.stderr.write("switchyard runner: must be started by an executor with an IPC channel (child_process.fork)\n");
  process.exit(2);
}

const tries = new Map<string, { readonly controller: AbortController; readonly done: Promise<unknown> }>();
let shuttingDown = false;

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.connected || process.send === undefined) {
      reject(new Error("the executor is gone (IPC channel closed)"));
      return;
    }
    process.send(message, undefined, undefined, (error) => (error ? reject(error) : resolve()));
  });
}

function reporterFor(workload: Workload): TryReporter {
  const event = (state: TaskEvent["state"], info: EventInfo): Promise<void> =>
    send({ type: "event", event: { key: workload.key, state, info } });
  return {
    running: (info) => event("running", info),
    finished: (state, info) => event(state, info),
  };
}

function handle(message: ParentMessage): void {
  switch (message.type) {
    case "run": {
      const id = keyString(message.workload.key);
      if (tries.has(id) || shuttingDown) {
        process.stderr.write(`switchyard runner: ignored run of ${id}: ${shuttingDown ? "shutting down" : "already running"}\n`);
        return;
      }
      const controller = new AbortController();
      const done = runTaskTry(message.workload, reporterFor(message.workload), { signal: controller.signal }).finally(() => {
        tries.delete(id);
        if (shuttingDown && tries.size === 0) process.exit(0);
      });
      tries.set(id, { controller, done });
      return;
    }
    case "kill":
      tries.get(keyString(message.key))?.controller.abort();
      return;
    case "shutdown":
      shuttingDown = true;
      if (tries.size === 0) process.exit(0);
      return;
  }
}

installOutputCapture();
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
void send({ type: "ready" }).catch(() => process.exit(1));
