import { DagDefinitionError } from "./errors.js";
import type { TaskDefinition, TaskFn, TaskKind, TaskOptions } from "./types.js";

/** What a task needs from the DAG that owns it: the DAG checks and records every edge. */
export interface TaskOwner {
  readonly dagId: string;
  link(upstream: Task, downstream: Task): void;
}

/** A list of tasks, or tasks and lists of tasks (as `then`, `after` and `chain` accept). */
export type TaskLike = Task | readonly Task[];

/** A task of a DAG. Create tasks with the DAG's `bash`, `fn` or `empty`, not with `new`. */
export class Task implements TaskDefinition {
  readonly taskId: string;
  readonly kind: TaskKind;
  readonly command?: string;
  readonly fn?: TaskFn;
  readonly options: Readonly<TaskOptions>;
  /** The DAG this task belongs to. */
  readonly dag: TaskOwner;
  readonly #upstream = new Set<string>();
  readonly #downstream = new Set<string>();

  /** @internal Called by the DAG builder, which validates the arguments. */
  constructor(dag: TaskOwner, taskId: string, kind: TaskKind, body: { command?: string; fn?: TaskFn }, options: TaskOptions) {
    this.dag = dag;
    this.taskId = taskId;
    this.kind = kind;
    if (body.command !== undefined) this.command = body.command;
    if (body.fn !== undefined) this.fn = body.fn;
    this.options = Object.freeze({ ...options });
  }

  get upstreamIds(): ReadonlySet<string> {
    return this.#upstream;
  }

  get downstreamIds(): ReadonlySet<string> {
    return this.#downstream;
  }

  /**
   * Makes every given task downstream of this one and returns the last of them, so that
   * `a.then(b).then(c)` chains. With several (`a.then(b, c)`) the chain continues from the last one, `c`.
   */
  then(...tasks: TaskLike[]): Task {
    const targets = tasks.flat();
    for (const target of targets) this.dag.link(this, target);
    const last = targets[targets.length - 1];
    if (last === undefined) throw this.dagError("then() needs at least one task");
    return last;
  }

  /** Makes every given task upstream of this one; returns this task. */
  after(...tasks: TaskLike[]): this {
    const sources = tasks.flat();
    if (sources.length === 0) throw this.dagError("after() needs at least one task");
    for (const source of sources) this.dag.link(source, this);
    return this;
  }

  /** @internal Records an edge; the DAG has checked it. */
  addEdge(direction: "upstream" | "downstream", taskId: string): void {
    (direction === "upstream" ? this.#upstream : this.#downstream).add(taskId);
  }

  toString(): string {
    return `Task(${this.dag.dagId}.${this.taskId})`;
  }

  private dagError(message: string): DagDefinitionError {
    return new DagDefinitionError(`DAG '${this.dag.dagId}', task '${this.taskId}': ${message}`, { dagId: this.dag.dagId, taskId: this.taskId });
  }
}
