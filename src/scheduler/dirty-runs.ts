/**
 * Which runs need their dependencies evaluated, and where: "all" for a run that just started, or
 * the tasks whose state changed (their downstream tasks are what may now move). A changed task is
 * itself evaluated too unless the mark says only its downstream can move (a try that ended in
 * success or failed: only a TI up for retry, or one of unknown state, can itself be scheduled),
 * which spares the look-up of tasks that have no downstream, such as a fan-out's.
 */
export class DirtyRuns {
  /** Per run: "all", or the changed tasks, each with whether it is a candidate itself. */
  private readonly runs = new Map<number, Map<string, boolean> | "all">();

  markAll(dagRunId: number): void {
    this.runs.set(dagRunId, "all");
  }

  /** `self`: the task itself may move (a due retry, a state set elsewhere); false: only its downstream. */
  markChanged(dagRunId: number, taskId: string, self = true): void {
    const current = this.runs.get(dagRunId);
    if (current === "all") return;
    if (current) current.set(taskId, self || (current.get(taskId) ?? false));
    else this.runs.set(dagRunId, new Map([[taskId, self]]));
  }

  get size(): number {
    return this.runs.size;
  }

  /** Puts back marks taken by drain() whose work did not complete (the database failed). */
  restore(marks: ReadonlyMap<number, ReadonlyMap<string, boolean> | "all">): void {
    for (const [run, tasks] of marks) {
      if (tasks === "all") this.markAll(run);
      else for (const [t, self] of tasks) this.markChanged(run, t, self);
    }
  }

  /** Returns everything marked and starts afresh. */
  drain(): Map<number, Map<string, boolean> | "all"> {
    const out = new Map(this.runs);
    this.runs.clear();
    return out;
  }
}
