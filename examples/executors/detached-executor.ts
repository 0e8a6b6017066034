/**
 * DetachedExecutor — an example of an executor whose tries outlive the scheduler.
 *
 * Each try runs in a detached process of its own (`detached-try.ts`, in a session of its own),
 * so it keeps running when the scheduler stops, crashes or loses its lease — as a try on a
 * worker fleet or in a pod does. The try process records what happens in a directory whose name
 * is the try's external id:
 *
 *   <state_dir>/<external id>/workload.json   written by the executor before it starts the try
 *                             folders.json    the dags and log folders its paths are relative to
 *                             pid             the try process's pid
 *                             running.json    the running report (pid, hostname, start)
 *                             result.json     the terminal report (state and info)
 *
 * The external id is derived from the try's key, so `externalIdFor` knows it before the try is
 * sent and the scheduler stores it on the task instance when it queues it. A restarted scheduler
 * offers the task instances of the one that died to `tryAdoptTaskInstances`, which finds each
 * try's directory by that id and follows it from there: a try that is still running is not run
 * again. This example runs tries on the scheduler's machine only; an engine of your own (a queue,
 * a cluster) takes the place of the directory and the pid.
 *
 *   [core]
 *   executor = "LocalExecutor,detached:./executors/detached-executor.ts#DetachedExecutor"
 *
 *   [executors.detached]
 *   parallelism = 4
 *   state_dir = "detached-tries"   # relative to $SWITCHYARD_HOME
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  BaseExecutor,
  keyString,
  type EventInfo,
  type ExecutorContext,
  type TaskInstanceKey,
  type TaskInstanceRef,
  type Workload,
} from "@switchyard/core";

/** `[executors.<alias>]` settings of this executor. */
export interface DetachedExecutorOptions {
  /** Most tries at once. @defaultValue `[core] parallelism` */
  parallelism?: number;
  /** Where the tries' directories go, relative to $SWITCHYARD_HOME. @defaultValue "detached-tries" */
  state_dir?: string;
}

/** How often the tries' directories are read for news. */
const POLL_MS = 200;

const TRY_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "detached-try.ts");

function compileOptions(context: ExecutorContext): { parallelism: number; stateDir: string } {
  const section = `[executors.${context.name.name}]`;
  const { parallelism = context.defaultParallelism, state_dir = "detached-tries", ...unknown } =
    context.options as DetachedExecutorOptions & Record<string, unknown>;
  const extra = Object.keys(unknown);
  if (extra.length > 0) throw new Error(`${section} ${extra.join(", ")}: unknown key; valid keys: parallelism, state_dir`);
  if (!Number.isInteger(parallelism) || parallelism < 1) {
    throw new Error(`${section} parallelism: must be an integer >= 1 (got ${JSON.stringify(parallelism)})`);
  }
  if (typeof state_dir !== "string" || state_dir === "") throw new Error(`${section} state_dir: must be a non-empty path (got ${JSON.stringify(state_dir)})`);
  return { parallelism, stateDir: resolve(context.home, state_dir) };
}

/** One try this executor follows. */
interface Followed {
  readonly key: TaskInstanceKey;
  readonly dir: string;
  readonly externalId: string;
  reportedRunning: boolean;
}

export class DetachedExecutor extends BaseExecutor {
  /** The tries are processes of their own: they keep running when the scheduler stops. */
  override readonly triesOutliveScheduler = true;
  readonly stateDir: string;
  readonly #followed = new Map<string, Followed>();
  #poller: NodeJS.Timeout | undefined;

  constructor(context: ExecutorContext) {
    const options = compileOptions(context);
    super(context, options.parallelism);
    this.stateDir = options.stateDir;
  }

  override start(): void {
    mkdirSync(this.stateDir, { recursive: true });
    clearInterval(this.#poller);
    // The tries push nothing: read their directories on a timer, so the scheduler hears of an end at once.
    this.#poller = setInterval(() => this.#poll(), POLL_MS);
    this.#poller.unref();
  }

  /** The try's directory name: from its key alone, so it is known before the try is sent. */
  override externalIdFor(workload: Workload): string {
    const { dagId, runId, taskId, mapIndex, tryNumber } = workload.key;
    // encodeURIComponent leaves no "/" and always encodes "+", so the parts cannot run into each other.
    return [dagId, runId, taskId, String(mapIndex), String(tryNumber)].map(encodeURIComponent).join("+");
  }

  protected executeAsync(workload: Workload): void {
    const externalId = this.externalIdFor(workload);
    const dir = join(this.stateDir, externalId);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "workload.json"), JSON.stringify(workload));
    // The try's DAG file and log are named relative to these folders (this host's).
    writeFileSync(join(dir, "folders.json"), JSON.stringify(this.folders));
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    const child = spawn(process.execPath, ["--import", tsx, TRY_SCRIPT, dir], { detached: true, stdio: "ignore", env: process.env });
    if (child.pid === undefined) throw new Error(`could not start the try process (${process.execPath} ${TRY_SCRIPT})`);
    writeFileSync(join(dir, "pid"), String(child.pid));
    child.unref();
    this.#followed.set(keyString(workload.key), { key: workload.key, dir, externalId, reportedRunning: false });
  }

  sync(): void {
    this.#poll();
  }

  /** Report what the followed tries wrote since the last look, and the ones whose process died without a word. */
  #poll(): void {
    for (const [id, t] of this.#followed) {
      let result = readJson<{ state: "success" | "failed"; info: EventInfo }>(join(t.dir, "result.json"));
      // Reported even when the result came in the same poll: the scheduler sees every try start.
      if (!t.reportedRunning) {
        const info = readJson<EventInfo>(join(t.dir, "running.json"));
        if (info !== null) {
          t.reportedRunning = true;
          this.runningState(t.key, { ...info, externalExecutorId: t.externalId });
        }
      }
      const pid = readPid(t.dir);
      if (result === null && pid !== null && !alive(pid)) {
        // It may have written its result just before it exited.
        result = readJson(join(t.dir, "result.json")) ?? { state: "failed", info: { error: `try process ${pid} exited without recording a result (killed?)`, endDate: Date.now() } };
      }
      if (result === null) continue;
      this.#followed.delete(id);
      this.changeState(t.key, result.state, { ...result.info, externalExecutorId: t.externalId });
    }
  }

  /** Only tries whose process is alive: one that died stops heartbeating, and the poll reports it failed. */
  override liveTries(): TaskInstanceKey[] {
    return [...this.#followed.values()].filter((t) => {
      const pid = readPid(t.dir);
      return pid === null || alive(pid);
    }).map((t) => t.key);
  }

  /**
   * Follows again the tries a dead scheduler sent: those whose directory names this very try and
   * whose process is alive or left a result. The others (never started, or died without a word)
   * are returned for the scheduler to reset.
   */
  override async tryAdoptTaskInstances(tis: TaskInstanceRef[]): Promise<TaskInstanceRef[]> {
    const notAdopted: TaskInstanceRef[] = [];
    for (const ti of tis) {
      const externalId = ti.externalExecutorId;
      // From our own database, but a path all the same: never leave the state directory.
      const dir = externalId !== null && !/[\\/]|^\.\.?$/.test(externalId) ? join(this.stateDir, externalId) : null;
      const workload = dir === null ? null : readJson<Workload>(join(dir, "workload.json"));
      const pid = dir === null ? null : readPid(dir);
      const followable = workload !== null && keyString(workload.key) === keyString(ti.key) && ((pid !== null && alive(pid)) || existsSync(join(dir!, "result.json")));
      if (!followable) {
        notAdopted.push(ti);
        continue;
      }
      this.trackAdopted(ti.key, workload.token);
      this.#followed.set(keyString(ti.key), { key: ti.key, dir: dir!, externalId: externalId!, reportedRunning: ti.state === "running" });
    }
    return notAdopted;
  }

  /** Stops the try (its process kills its bash process group and exits); whatever it writes afterwards is not reported. */
  override async revokeTask(ti: TaskInstanceRef, reason?: string): Promise<void> {
    await super.revokeTask(ti, reason);
    const id = keyString(ti.key);
    const followed = this.#followed.get(id);
    this.#followed.delete(id);
    if (followed !== undefined) stop(followed.dir);
  }

  /** Forgets every try and leaves them running, for the next scheduler to adopt. */
  override async releaseAll(): Promise<void> {
    await super.releaseAll();
    this.#followed.clear();
  }

  override async end(): Promise<void> {
    await super.end(); // releases the tries: they outlive the scheduler
    clearInterval(this.#poller);
  }

  /** Stops every try now; each records that it was killed, which the next scheduler reports when it adopts it. */
  override async terminate(): Promise<void> {
    clearInterval(this.#poller);
    for (const t of this.#followed.values()) stop(t.dir);
    await super.terminate(); // then releases them, as end() does
  }

  override debugDump(): Record<string, unknown> {
    return { ...super.debugDump(), stateDir: this.stateDir, followed: [...this.#followed.values()].map((t) => t.externalId) };
  }
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return null; // not written yet (the try process writes each file whole, by rename)
  }
}

function readPid(dir: string): number | null {
  const pid = readJson<number>(join(dir, "pid"));
  return typeof pid === "number" && Number.isInteger(pid) && pid > 0 ? pid : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** SIGTERM to the try process: it aborts its try (killing the task's process group) and exits. */
function stop(dir: string): void {
  const pid = readPid(dir);
  if (pid === null) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    // Already gone.
  }
}
