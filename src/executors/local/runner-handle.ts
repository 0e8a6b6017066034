import type { ChildProcess } from "node:child_process";
import { errorLine } from "../../common/errors.js";
import { keyString, type TaskInstanceKey } from "../../common/keys.js";
import type { RunnerFolders, TaskEvent, Workload } from "../../common/workload.js";
import { forkRunnerProcess } from "../../runner/fork-runner.js";
import { eventsOf, parseChildMessage, type ParentMessage } from "../../runner/protocol.js";
import type { FnSlicePhase } from "../../runner/types.js";

export interface RunnerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started. */
  readonly error?: Error;
}

export interface RunnerHandleHooks {
  /** A valid event from the runner (terminal events have already left `inflight`). */
  onEvent(handle: RunnerHandle, event: TaskEvent): void;
  /** The runner is gone (all its IPC messages delivered first); `orphans` are the tries it never finished. */
  onExit(handle: RunnerHandle, exit: RunnerExit, orphans: Workload[]): void;
  /** Something the operator should see (a malformed message, a failed send). */
  warn(message: string): void;
  /** The runner is up for the first time: it takes messages now (those held back have been sent). */
  onReady?(handle: RunnerHandle): void;
}

/**
 * One runner child process seen from the executor: sends it work, tracks the tries it has not
 * finished, turns its IPC messages into events. Messages sent before the child is ready are held
 * back (a child that has not attached its listener yet would drop them). Tries started in one
 * heartbeat leave as one `runs` message at `flush()` (the executor's sync, or at setImmediate at
 * the latest): one write on the channel instead of one per try.
 */
export class RunnerHandle {
  readonly child: ChildProcess;
  /** Tries sent to this runner that have not reported a terminal state, by keyString. */
  readonly inflight = new Map<string, Workload>();
  readonly exited: Promise<RunnerExit>;
  /** Where each in-flight fn try is in the synchronous call of its function, by keyString. */
  readonly fnSlices = new Map<string, FnSlicePhase>();
  /** When the runner last sent anything (epoch ms): its event loop turned then. */
  lastHeard = Date.now();
  #ready = false;
  #alive = true;
  #everReady = false;
  #pending: ParentMessage[] = [];
  /** Tries to send at the next flush, in order. */
  #outbox: Workload[] = [];
  #flushScheduled = false;

  /** @param folders - where the runner finds its tries' DAG files and writes their logs (this host's). */
  constructor(
    private readonly hooks: RunnerHandleHooks,
    folders: RunnerFolders,
  ) {
    this.child = forkRunnerProcess({ folders });
    this.exited = new Promise((resolve) => {
      const finish = (exit: RunnerExit) => {
        if (!this.#alive) return;
        this.#alive = false;
        this.#ready = false;
        const orphans = [...this.inflight.values()];
        this.inflight.clear();
        hooks.onExit(this, exit, orphans);
        resolve(exit);
      };
      // 'close' comes after 'exit' and after the IPC channel has closed: every event is in by then.
      this.child.once("close", (code, signal) => finish({ code, signal }));
      // 'on', not 'once': a later failed kill() or send() also emits 'error', and an unheard one would crash the executor.
      this.child.on("error", (error) => {
        if (this.child.pid === undefined) finish({ code: null, signal: null, error });
        else hooks.warn(`runner process ${this.child.pid}: ${errorLine(error)}`);
      });
    });
    this.child.on("message", (raw: unknown) => this.#receive(raw));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.#alive;
  }

  /** Became ready at least once: a runner that dies before that is a start-up failure. */
  get everReady(): boolean {
    return this.#everReady;
  }

  get load(): number {
    return this.inflight.size;
  }

  run(workload: Workload): void {
    this.inflight.set(keyString(workload.key), workload);
    this.#outbox.push(workload);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Send the tries `run()` has collected, as one message. */
  flush(): void {
    this.#flushScheduled = false;
    if (this.#outbox.length === 0) return;
    const workloads = this.#outbox;
    this.#outbox = [];
    this.#send(workloads.length === 1 ? { type: "run", workload: workloads[0]! } : { type: "runs", workloads });
  }

  /** Stop a try; `reason` goes into its log. */
  kill(key: TaskInstanceKey, reason?: string): void {
    this.inflight.delete(keyString(key));
    this.fnSlices.delete(keyString(key));
    this.flush(); // a run still in the outbox must not arrive after its kill
    this.#send(reason === undefined ? { type: "kill", key } : { type: "kill", key, reason });
  }

  /** Renew the runner's lease: past `until` it stops its tries and exits on its own. */
  lease(until: number): void {
    this.#send({ type: "lease", until });
  }

  /**
   * The tries of a runner that has never been ready, taken back so that a runner that is up can
   * start them: none of them has reached it (messages wait until it is ready), so they leave
   * without a trace. Empty once it has been ready, or when it is dead.
   */
  takeBackUnsent(): Workload[] {
    if (this.#everReady || !this.#alive) return [];
    const workloads = [...this.inflight.values()];
    this.inflight.clear();
    this.fnSlices.clear();
    this.#outbox = [];
    // A held-back kill is of one of these tries (or of one already taken back): it goes with them.
    this.#pending = this.#pending.filter((m) => m.type !== "run" && m.type !== "runs" && m.type !== "kill");
    return workloads;
  }

  /** Let the runner finish its tries and exit. */
  shutdown(): void {
    this.flush();
    this.#send({ type: "shutdown" });
  }

  forceKill(): void {
    if (this.#alive) this.child.kill("SIGKILL");
  }

  #send(message: ParentMessage): void {
    if (!this.#alive) return;
    if (!this.#ready) {
      this.#pending.push(message);
      return;
    }
    if (!this.child.connected) return; // dying: its 'close' fails the tries it had
    this.child.send(message, (error) => {
      // The runner died in between: its 'close' fails the tries it had.
      if (error) this.hooks.warn(`could not send ${message.type} to runner ${this.pid}: ${errorLine(error)}`);
    });
  }

  #receive(raw: unknown): void {
    this.lastHeard = Date.now();
    let message;
    try {
      message = parseChildMessage(raw);
    } catch (error) {
      this.hooks.warn(`runner ${this.pid}: ${errorLine(error)}`);
      return;
    }
    if (message.type === "ready") {
      this.#ready = true;
      this.#everReady = true;
      const pending = this.#pending;
      this.#pending = [];
      for (const m of pending) this.#send(m);
      this.hooks.onReady?.(this);
      return;
    }
    if (message.type === "fn") {
      const id = keyString(message.key);
      if (this.inflight.has(id)) this.fnSlices.set(id, message.phase);
      return;
    }
    for (const event of eventsOf(message)) this.#event(event);
  }

  #event(event: TaskEvent): void {
    const id = keyString(event.key);
    if (event.state === "success" || event.state === "failed") {
      this.fnSlices.delete(id);
      if (!this.inflight.delete(id)) return; // killed or unknown: nobody waits for it
    } else if (!this.inflight.has(id)) {
      return;
    }
    this.hooks.onEvent(this, event);
  }
}
