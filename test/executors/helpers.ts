import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";
import type { TaskInstanceKey } from "../../src/common/keys.js";
import type { RunnerFolders, TaskEvent, Workload } from "../../src/common/workload.js";
import type { ExecutorName } from "../../src/config/executor-names.js";
import type { SchedulerExecutor } from "../../src/executors/scheduler-executor.js";
import type { ExecutorContext } from "../../src/executors/types.js";

export const FIXTURES = resolve(fileURLToPath(import.meta.url), "../../fixtures/executors");
export const TASKS_DAG = join(FIXTURES, "tasks-dag.ts");

/**
 * The folders of the executors and runners under test: the filesystem root, so a test may put
 * its DAG files and logs anywhere (fixtures, temp dirs) and name them by their absolute path.
 */
export const TEST_FOLDERS: RunnerFolders = { dagsFolder: "/", baseLogFolder: "/" };

/** `absolute` as a workload names it, relative to TEST_FOLDERS. */
export function underRoot(absolute: string): string {
  return relative("/", absolute).split(sep).join("/");
}

/** A workload plus where its log lands under TEST_FOLDERS, for tests to read. */
export type TestWorkload = Workload & { readonly logPath: string };

/** A temp dir removed when the test ends. */
export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "switchyard-exec-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface WorkloadSpec {
  taskId: string;
  runId?: string;
  tryNumber?: number;
  priorityWeight?: number;
  timeout?: number | null;
  conf?: Record<string, unknown>;
  executorConfig?: Record<string, unknown>;
  dagFile?: string;
  dagId?: string;
  token?: string;
}

/** A workload for a task of the fixture DAG, logging under `dir`. */
export function workload(dir: string, spec: WorkloadSpec): TestWorkload {
  const key: TaskInstanceKey = {
    dagId: spec.dagId ?? "exec_tasks",
    taskId: spec.taskId,
    runId: spec.runId ?? "run1",
    mapIndex: -1,
    tryNumber: spec.tryNumber ?? 1,
  };
  const logPath = join(dir, "logs", key.dagId, key.runId, key.taskId, `${key.tryNumber}.log`);
  return {
    key,
    dagFile: underRoot(spec.dagFile ?? TASKS_DAG),
    queue: "default",
    pool: "default_pool",
    priorityWeight: spec.priorityWeight ?? 1,
    executorConfig: spec.executorConfig ?? {},
    // One per try, as the scheduler makes them: events must carry their own try's.
    token: spec.token ?? `token-${key.dagId}-${key.runId}-${key.taskId}-${key.tryNumber}`,
    logRelativePath: underRoot(logPath),
    logPath,
    timeout: spec.timeout ?? null,
    logicalDate: "2026-01-01T00:00:00.000Z",
    conf: spec.conf ?? {},
  };
}

export function builtinName(className: string, alias: string | null = null): ExecutorName {
  return { raw: alias === null ? className : `${alias}:${className}`, alias, className, modulePath: null, modulePathAsWritten: null, name: alias ?? className };
}

export function context(className: string, options: Record<string, unknown> = {}, defaultParallelism = 4): ExecutorContext {
  return { name: builtinName(className), options, defaultParallelism, home: tmpdir(), folders: TEST_FOLDERS };
}

/** Resolves when `condition()` holds; checks on every executor event and every `pollMs`, fails at the deadline. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 15_000, wake?: (cb: () => void) => () => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise<void>((done) => {
      const timer = setTimeout(finish, 25);
      const off = wake?.(finish);
      function finish() {
        clearTimeout(timer);
        off?.();
        done();
      }
    });
  }
}

/**
 * Drives an executor as the scheduler would, through the scheduler's interface only: heartbeat,
 * drain events, wake on its events. Keeps every event in order, and the most live tries ever seen.
 */
export class Driver {
  readonly events: TaskEvent[] = [];
  maxRunning = 0;
  readonly #off: () => void;

  /** @param timeoutMs - how long `until` and `terminal` wait unless told */
  constructor(
    readonly executor: SchedulerExecutor,
    readonly timeoutMs = 15_000,
  ) {
    this.#off = executor.onEvent(() => {
      this.maxRunning = Math.max(this.maxRunning, executor.liveTries().length);
      this.events.push(...executor.getEventBuffer());
    });
  }

  async heartbeat(): Promise<void> {
    await this.executor.heartbeat();
    this.maxRunning = Math.max(this.maxRunning, this.executor.liveTries().length);
    this.events.push(...this.executor.getEventBuffer());
  }

  /** Heartbeat until `condition()` holds. */
  async until(condition: () => boolean, what: string, timeoutMs = this.timeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.heartbeat();
      if (condition()) return;
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; events: ${JSON.stringify(this.events.map((e) => [e.key.taskId, e.key.runId, e.state]))}`);
      }
      await new Promise<void>((done) => {
        const timer = setTimeout(finish, 50);
        const off = this.executor.onEvent(finish);
        function finish() {
          clearTimeout(timer);
          off();
          done();
        }
      });
    }
  }

  /** Heartbeat until the try of `w` has a terminal event; returns it. */
  async terminal(w: Workload, timeoutMs = this.timeoutMs): Promise<TaskEvent> {
    await this.until(() => this.terminalOf(w) !== undefined, `a terminal event for ${w.key.taskId}/${w.key.runId}`, timeoutMs);
    return this.terminalOf(w) as TaskEvent;
  }

  terminalOf(w: Workload): TaskEvent | undefined {
    return this.of(w).find((e) => e.state === "success" || e.state === "failed");
  }

  of(w: Workload): TaskEvent[] {
    return this.events.filter((e) => e.key.taskId === w.key.taskId && e.key.runId === w.key.runId && e.key.tryNumber === w.key.tryNumber);
  }

  close(): void {
    this.#off();
  }
}

/** Whether a process exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
