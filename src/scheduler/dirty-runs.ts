/**
 * Which runs need their dependencies evaluated, and where: "all" for a run that just started, or
 * the tasks whose state changed (their downstream tasks are what may now move).
 */
export class DirtyRuns {
  private readonly runs = new Map<number, Set<string> | "all">();

  markAll(dagRunId: number): void {
    this.runs.set(dagRunId, "all");
  }

  markChanged(dagRunId: number, taskId: string): void {
    const current = this.runs.get(dagRunId);
    if (current === "all") return;
    if (current) current.add(taskId);
    else this.runs.set(dagRunId, new Set([taskId]));
  }

  get size(): number {
    return this.runs.size;
  }

  /** Puts back marks taken by drain() whose work did not complete (the database failed). */
  restore(marks: ReadonlyMap<number, Set<string> | "all">): void {
    for (const [run, tasks] of marks) {
      if (tasks === "all") this.markAll(run);
      else for (const t of tasks) this.markChanged(run, t);
    }
  }

  /** Returns everything marked and starts afresh. */
  drain(): Map<number, Set<string> | "all"> {
    const out = new Map(this.runs);
    this.runs.clear();
    return out;
  }
}
