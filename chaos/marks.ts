import fs from "node:fs";

/** What the tries of one task wrote to the markers file, by try number. */
export interface TaskMarks {
  /** Try number → how often it started (more than once: the same try ran twice). */
  readonly starts: Map<number, number[]>;
  /** Try number → end lines ("ok" or "fail") with their times. */
  readonly ends: Map<number, Array<{ result: "ok" | "fail"; at: number }>>;
  /** Tries that found the lock held by another try of the same task instance. */
  readonly overlaps: Array<{ tryNumber: number; at: number }>;
}

/** Parses <marks>/events (see chaos/task.sh) into per-task records. */
export function readMarks(eventsFile: string): Map<string, TaskMarks> {
  const byTask = new Map<string, TaskMarks>();
  const of = (task: string): TaskMarks => {
    let m = byTask.get(task);
    if (!m) {
      m = { starts: new Map(), ends: new Map(), overlaps: [] };
      byTask.set(task, m);
    }
    return m;
  };
  for (const line of fs.readFileSync(eventsFile, "utf8").split("\n")) {
    const parts = line.split(" ");
    const [kind, task, tryText] = parts;
    if (!task || !tryText) continue;
    const tryNumber = Number(tryText);
    const m = of(task);
    if (kind === "start") m.starts.set(tryNumber, [...(m.starts.get(tryNumber) ?? []), Number(parts[3])]);
    else if (kind === "end") m.ends.set(tryNumber, [...(m.ends.get(tryNumber) ?? []), { result: parts[3] === "ok" ? "ok" : "fail", at: Number(parts[4]) }]);
    else if (kind === "overlap") m.overlaps.push({ tryNumber, at: Number(parts[3]) });
  }
  return byTask;
}
