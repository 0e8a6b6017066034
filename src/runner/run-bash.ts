import { spawn } from "node:child_process";
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

/**
 * Start `bash -c command` as the leader of its own process group, stdout and stderr going straight
 * to `logFd`. Throws (with the spawn error) when bash could not be started.
 */
export async function startBash(command: string, env: NodeJS.ProcessEnv, logFd: number): Promise<BashProcess> {
  const child = spawn("bash", ["-c", command], { detached: true, stdio: ["ignore", logFd, logFd], env });
  const exited = new Promise<BashExit>((resolve) => {
    child.once("error", (spawnError) => resolve({ code: null, signal: null, spawnError }));
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const pid = child.pid;
  if (pid === undefined) {
    const exit = await exited;
    throw exit.spawnError ?? new Error("bash could not be started");
  }
  trackProcessGroup(pid);
  // A try is over when its bash is: whatever it left running in its group (a child orphaned by a
  // kill -9 of bash, a forgotten background job) dies with it, so it can never overlap the next try.
  void exited.then(() => {
    signalProcessGroup(pid, "SIGKILL");
    untrackProcessGroup(pid);
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
