import type { SerializedDag, SerializedTask } from "./types.js";

/** One line per task in topological order, with what it feeds: `dags show`. */
export function renderDagText(dag: SerializedDag): string {
  const width = Math.max(0, ...dag.tasks.map((t) => t.taskId.length));
  const lines = [`${dag.dagId}  (${dag.tasks.length} task(s), schedule ${dag.schedule ?? "None"})`];
  for (const t of dag.tasks) {
    const rule = t.triggerRule === "all_success" ? "" : `  [${t.triggerRule}]`;
    lines.push(`  ${t.taskId.padEnd(width)}  ${t.kind.padEnd(5)}${t.downstream.length ? ` -> ${t.downstream.join(", ")}` : ""}${rule}`);
  }
  return lines.join("\n");
}

/**
 * The DAG from its roots down, a task repeated under each of its upstream tasks (Airflow's
 * `tasks list --tree`).
 */
export function renderTaskTree(dag: SerializedDag): string {
  const byId = new Map(dag.tasks.map((t) => [t.taskId, t]));
  const lines: string[] = [];
  const walk = (t: SerializedTask, depth: number) => {
    lines.push(`${"    ".repeat(depth)}<Task(${t.kind}): ${t.taskId}>`);
    for (const d of t.downstream) walk(byId.get(d)!, depth + 1);
  };
  for (const root of dag.tasks.filter((t) => t.upstream.length === 0)) walk(root, 0);
  return lines.join("\n");
}

/** A DOT string literal: quotes and backslashes escaped, line breaks as \n. */
function dotId(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\r?\n/g, "\\n")}"`;
}

/** Graphviz DOT of the DAG (`dags show --format dot | dot -Tsvg`); edge labels name non-default trigger rules. */
export function renderDagDot(dag: SerializedDag): string {
  const lines = [
    `digraph ${dotId(dag.dagId)} {`,
    `  graph [label=${dotId(dag.dagId)}, labelloc=t, rankdir=LR];`,
    `  node [shape=box, style="rounded,filled", fillcolor="#f0f0f0", fontname="Helvetica"];`,
  ];
  for (const t of dag.tasks) {
    const label = t.triggerRule === "all_success" ? `${t.taskId}\n(${t.kind})` : `${t.taskId}\n(${t.kind}, ${t.triggerRule})`;
    lines.push(`  ${dotId(t.taskId)} [label=${dotId(label)}];`);
  }
  for (const t of dag.tasks) for (const d of t.downstream) lines.push(`  ${dotId(t.taskId)} -> ${dotId(d)};`);
  lines.push("}");
  return lines.join("\n");
}
