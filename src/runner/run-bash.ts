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
  /** The bash child's pid, which is also its process group id. */
  readonly pid: number;
  readonly exited: Promise<BashExit>;
  /** SIGTERM the whole group, SIGKILL it after `graceMs`; resolves when bash has exited. */
  stop(graceMs: number): Promise<BashExit>;
}

/** How long output still in the pipes is read after bash exited, in case a process outside its group holds them open. */
const DRAIN_MS = 1000;

/**
 * What bash runs before the task's command: a watcher in the background, in the try's process
 * group, blocked reading fd 3 — a pipe whose other end only this process holds. However this
 * process ends (SIGKILL included, or a runner killed by its watchdog), the kernel closes that end,
 * the read returns, and the watcher kills the whole group: a try never runs on unobserved, to be
 * failed later as a zombie. A shell builtin waiting on a pipe, so it costs no CPU and needs no
 * native module (Node cannot set PR_SET_PDEATHSIG). Then bash closes fd 3 and runs the task's own
 * `bash -c command` as its child, not by exec: the task's `$PPID` is then this guard, never the
 * runner that other tries share, so a task that kills its parent (`kill -9 $PPID`) ends only its
 * own try. A task killed by a signal ends the guard by the same signal, so the try says so.
 */
const GUARDED_BASH =
  '{ read -r _ <&3; kill -KILL 0; } & exec 3<&-; bash -c "$1"; s=$?; ' +
  'if [ $s -gt 128 ]; then sig=$(kill -l $s 2>/dev/null) && trap - "$sig" && kill -s "$sig" $$; fi; exit $s';

/**
 * Start `bash -c command` as the leader of its own process group, stdout and stderr piped into
 * `output` (the try log, which applies its size cap); the group dies with this process (see
 * GUARDED_BASH). `exited` resolves once bash has exited and its output is read. Throws (with the
 * spawn error) when bash could not be started.
 */
export async function startBash(command: string, env: NodeJS.ProcessEnv, output: OutputSink): Promise<BashProcess> {
  const child = spawn("bash", ["-c", GUARDED_BASH, "bash", command], { detached: true, stdio: ["ignore", "pipe", "pipe", "pipe"], env });
  child.stdout!.on("data", (chunk: Buffer) => output.write(chunk));
  child.stderr!.on("data", (chunk: Buffer) => output.write(chunk));
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
    throw exit.spawnError ?? new Error("bash could not be started");
  }
  trackProcessGroup(pid);
  // A try is over when its bash is: whatever it left running in its group (a child orphaned by a
  // kill -9 of bash, a forgotten background job) dies with it, so it can never overlap the next try.
  child.once("exit", () => {
    signalProcessGroup(pid, "SIGKILL");
    untrackProcessGroup(pid);
    lifeline?.destroy();
    setTimeout(() => {
      child.stdout!.destroy();
      child.stderr!.destroy();
    }, DRAIN_MS).unref();
  });

  let stopping: Promise<BashExit> | undefined;
  const stop = (graceMs: number): Promise<BashExit> => {
    stopping ??= (async () => {
      signalProcessGroup(pid, "SIGTERM");
      const timer = setTimeout(() => signalProcessGroup(pid, "SIGKILL"), graceMs);
      const exit = await exited;
      clearTimeout(timer);
      // Bash may exit on SIGTERM while children it started ignore it: finish the group off.
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
