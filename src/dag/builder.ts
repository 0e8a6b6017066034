import { DAG_BRAND } from "./brand.js";
import { dagOptionProblems } from "./dag-options.js";
import { DagDefinitionError } from "./errors.js";
import { findPath, type DownstreamMap } from "./graph.js";
import { describeValue, idProblem } from "./ids.js";
import { Task, type TaskLike, type TaskOwner } from "./task.js";
import { taskOptionProblems } from "./task-options.js";
import type { DagDefinition, DagOptions, TaskFn, TaskKind, TaskOptions } from "./types.js";

export { Task, type TaskLike } from "./task.js";

/** A DAG under construction. Every method validates at once, so a mistake fails at the line that makes it. */
export class Dag implements DagDefinition, TaskOwner {
  readonly [DAG_BRAND] = true as const;
  readonly dagId: string;
  readonly options: Readonly<DagOptions>;
  readonly #tasks = new Map<string, Task>();
  /** Each task's live downstream set, kept as tasks are added: the cycle check of a new edge must not rebuild it (O(tasks) per edge). */
  readonly #downstream = new Map<string, ReadonlySet<string>>();

  /** @internal Use `dag()`. */
  constructor(dagId: string, options: DagOptions) {
    this.dagId = dagId;
    const copy: DagOptions = { ...options };
    if (options.defaults !== undefined) copy.defaults = Object.freeze({ ...options.defaults });
    if (options.tags !== undefined) copy.tags = [...options.tags];
    this.options = Object.freeze(copy);
  }

  get tasks(): ReadonlyMap<string, Task> {
    return this.#tasks;
  }

  /** A task that runs `command` with `sh -c`; a non-zero exit fails the try. */
  bash(taskId: string, command: string, options?: TaskOptions): Task {
    if (typeof command !== "string" || command.trim() === "") {
      throw this.error(`bash task '${String(taskId)}' needs a non-empty command string, got ${describeValue(command)}`, taskId);
    }
    return this.add(taskId, "bash", { command }, options);
  }

  /** A task that calls `fn` with the try's context; its (JSON) return value is kept as the task's result. */
  fn(taskId: string, fn: TaskFn, options?: TaskOptions): Task {
    if (typeof fn !== "function") {
      throw this.error(`fn task '${String(taskId)}' needs a function, got ${describeValue(fn)}`, taskId);
    }
    return this.add(taskId, "fn", { fn }, options);
  }

  /** A task that does nothing and succeeds: a join point, or a placeholder. */
  empty(taskId: string, options?: TaskOptions): Task {
    return this.add(taskId, "empty", {}, options);
  }

  /** @internal Records `upstream -> downstream`; use `then`, `after` or `chain`. */
  link(upstream: Task, downstream: Task): void {
    this.checkOwnTask(upstream);
    this.checkOwnTask(downstream);
    if (upstream.downstreamIds.has(downstream.taskId)) return;
    const back = upstream === downstream ? [downstream.taskId] : findPath(downstream.taskId, upstream.taskId, this.downstreamMap());
    if (back !== null) {
      const cycle = [upstream.taskId, ...back].join(" -> ");
      throw this.error(`cycle: ${cycle} (linking '${upstream.taskId}' before '${downstream.taskId}' closes it); dependencies must not loop back`, downstream.taskId);
    }
    upstream.addEdge("downstream", downstream.taskId);
    downstream.addEdge("upstream", upstream.taskId);
  }

  toString(): string {
    return `Dag(${this.dagId})`;
  }

  private add(taskId: string, kind: TaskKind, body: { command?: string; fn?: TaskFn }, options: TaskOptions | undefined): Task {
    const idError = idProblem("task id", taskId);
    if (idError !== null) throw this.error(idError, null);
    if (this.#tasks.has(taskId)) throw this.error(`task id '${taskId}' is already used in this DAG; task ids must be unique within a DAG`, taskId);
    const problems = taskOptionProblems(options);
    if (problems.length > 0) throw this.error(problems.map((p) => `task '${taskId}': ${p}`).join(`\nDAG '${this.dagId}': `), taskId);
    const task = new Task(this, taskId, kind, body, options ?? {});
    this.#tasks.set(taskId, task);
    this.#downstream.set(taskId, task.downstreamIds);
    return task;
  }

  private checkOwnTask(value: unknown): asserts value is Task {
    const candidate = value as { dag?: { dagId?: unknown }; taskId?: unknown } | null;
    if (typeof candidate !== "object" || candidate === null || typeof candidate.taskId !== "string" || candidate.dag === undefined) {
      throw this.error(`expected a task made by bash(), fn() or empty(), got ${describeValue(value)}`, null);
    }
    if (candidate.dag !== this) {
      throw this.error(
        `task '${candidate.taskId}' belongs to DAG '${String(candidate.dag.dagId)}'; tasks can only depend on tasks of the same DAG`,
        candidate.taskId,
      );
    }
  }

  private downstreamMap(): DownstreamMap {
    return this.#downstream;
  }

  private error(message: string, taskId: string | null): DagDefinitionError {
    return new DagDefinitionError(`DAG '${this.dagId}': ${message}`, { dagId: this.dagId, taskId });
  }
}

/** Starts a DAG. Export it from a DAG file (default or named export) for the scheduler to find it. */
export function dag(dagId: string, options?: DagOptions): Dag {
  const idError = idProblem("DAG id", dagId);
  if (idError !== null) throw new DagDefinitionError(idError, { dagId: typeof dagId === "string" ? dagId : null });
  const problems = dagOptionProblems(options);
  if (problems.length > 0) throw new DagDefinitionError(problems.map((p) => `DAG '${dagId}': ${p}`).join("\n"), { dagId });
  return new Dag(dagId, options ?? {});
}

/**
 * Links consecutive elements, as Airflow's `chain`: task -> task, task -> each of a list (fan-out),
 * each of a list -> task (fan-in). Two consecutive lists are linked pairwise and must have the same length.
 */
export function chain(...elements: TaskLike[]): void {
  elements.forEach((element, index) => {
    if (Array.isArray(element) && element.length === 0) {
      throw new DagDefinitionError(`chain(): element ${index + 1} is an empty list; pass tasks or non-empty lists of tasks`);
    }
  });
  for (let i = 1; i < elements.length; i++) {
    const previous = elements[i - 1]!;
    const current = elements[i]!;
    if (!isList(previous)) {
      previous.then(current);
    } else if (!isList(current)) {
      current.after(previous);
    } else if (previous.length !== current.length) {
      throw new DagDefinitionError(
        `chain(): lists at positions ${i} and ${i + 1} have different lengths (${previous.length} and ${current.length}); ` +
          "consecutive lists are linked pairwise and must have the same length",
      );
    } else {
      previous.forEach((task, k) => task.then(current[k]!));
    }
  }
}

function isList(element: TaskLike): element is readonly Task[] {
  return Array.isArray(element);
}
