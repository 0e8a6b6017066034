import { spawn } from "node:child_process";
import type { Socket } from "node:net";
import type { OutputSink } from "./output-capture.js";
import { signalProcessGroup, trackProcessGroup, untrackProcessGroup } from "./process-groups.js";

export interface BashExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when bash could not be started at all. */
  readonly spawnError?: Error;
}

export interface BashProcess {
  /** The guard's pid (the task's parent), which is also the try's process group id. */
  readonly pid: number;
  readonly exited: Promise<BashExit>;
  /** SIGTERM the whole group, SIGKILL it after `graceMs`; resolves when the guard has exited. */
  stop(graceMs: number): Promise<BashExit>;
}

/** How long output still in the pipe is read after the guard exited, in case a process outside its group holds them open. */
const DRAIN_MS = 1000;

/**
 * The guard: a POSIX `sh` script (dash where /bin/sh is dash, which starts in a fraction of bash's
 * time) that runs the task's `bash -c command` as its child and waits for it. Three jobs:
 *
 * - It is the leader of the try's process group and the task's parent, not by exec: the task's
 *   `$PPID` is this guard, never the runner that other tries share, so a task that kills its
 *   parent (`kill -9 $PPID`) ends only its own try. A task killed by a signal ends the guard by
 *   the same signal, so the try says so.
 * - A watcher in the background, in the try's group, blocked reading fd 3 — a pipe whose other end
 *   only this process holds. However this process ends (SIGKILL included, or a runner killed by its
 *   watchdog), the kernel closes that end, the read returns, and the watcher kills the whole group:
 *   a try never runs on unobserved, to be failed later as a zombie. A shell builtin waiting on a
 *   pipe (Node cannot set PR_SET_PDEATHSIG): a fork of the small guard, no exec. It lets go of the
 *   output pipe, so the output ends when the task's processes are done with it, not when the
 *   watcher is killed.
 * - stderr goes where stdout goes: one pipe to read, and the log gets the task's lines in the
 *   order it wrote them.
 */
const GUARD =
  'exec 2>&1; { read -r _ <&3; kill -KILL 0; } >&- 2>&- & exec 3<&-; bash -c "$1"; s=$?; ' +
  'if [ $s -gt 128 ]; then sig=$(kill -l $s 2>/dev/null) && trap - "$sig" && kill -s "$sig" $$; fi; exit $s';

/** The guard's shell: absolute, so starting it needs no PATH search (the task's env may set PATH). */
const GUARD_SHELL = "/bin/sh";

/**
 * Start `bash -c command` under the guard (see GUARD), the guard as the leader of its own process
 * group, stdout and stderr piped into `output` (the try log, which applies its size cap); the
 * group dies with this process. `exited` resolves once the guard has exited and the output is
 * read. Throws (with the spawn error) when the guard could not be started.
 */
export async function startBash(command: string, env: NodeJS.ProcessEnv, output: OutputSink): Promise<BashProcess> {
  const child = spawn(GUARD_SHELL, ["-c", GUARD, "sh", command], { detached: true, stdio: ["ignore", "pipe", "ignore", "pipe"], env });
  child.stdout!.on("data", (chunk: Buffer) => output.write(chunk));
  // This end is only held, never read or written, and must not keep this process alive.
  const lifeline = child.stdio[3] as Socket | null;
  lifeline?.unref();
  const exited = new Promise<BashExit>((resolve) => {
    child.once("error", (spawnError) => resolve({ code: null, signal: null, spawnError }));
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  const pid = child.pid;
  if (pid === undefined) {
    const exit = await exited;
    throw exit.spawnError ?? new Error(`${GUARD_SHELL} could not be started`);
  }
  trackProcessGroup(pid);
  // A try is over when its guard is: whatever it left running in its group (the task orphaned by a
  // kill -9 of the guard, a forgotten background job, the watcher) dies with it, so it can never overlap the next try.
  child.once("exit", () => {
    signalProcessGroup(pid, "SIGKILL");
    untrackProcessGroup(pid);
    lifeline?.destroy();
    setTimeout(() => child.stdout!.destroy(), DRAIN_MS).unref();
  });

  let stopping: Promise<BashExit> | undefined;
  const stop = (graceMs: number): Promise<BashExit> => {
    stopping ??= (async () => {
      signalProcessGroup(pid, "SIGTERM");
      const timer = setTimeout(() => signalProcessGroup(pid, "SIGKILL"), graceMs);
      const exit = await exited;
      clearTimeout(timer);
      // The guard may exit on SIGTERM while processes the task started ignore it: finish the group off.
      signalProcessGroup(pid, "SIGKILL");
      return exit;
    })();
    return stopping;
  };
  return { pid, exited, stop };
}

/** One line saying how bash ended, for a failed try. */
export function describeBashExit(exit: BashExit): string {
  if (exit.spawnError !== undefined) return `bash could not be started: ${exit.spawnError.message}`;
  if (exit.signal !== null) return `killed by ${exit.signal}`;
  return `bash exited with code ${exit.code ?? "unknown"}`;
}
