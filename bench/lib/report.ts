import { fmt } from "./stats.js";

/** A target on a figure's value, or on its ratio to the floor. */
export interface Target {
  readonly on: "value" | "ratio";
  readonly op: "<=" | ">=";
  readonly limit: number;
}

export interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  /** The same quantity with no orchestrator (or the baseline named by floorLabel). */
  readonly floor?: number;
  /** What the floor is, when it is not obvious from the scenario's notes. */
  readonly floorLabel?: string;
  readonly target?: Target;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly title: string;
  /** Configuration and how the figures were measured, one line each. */
  readonly notes: readonly string[];
  readonly figures: readonly Figure[];
  /** Tables printed between the notes and the figures (e.g. one row per system compared). */
  readonly tables?: ReadonlyArray<{ readonly caption: string; readonly header: readonly string[]; readonly rows: ReadonlyArray<readonly string[]> }>;
}

export function ratioOf(f: Figure): number {
  return f.floor === undefined || f.floor === 0 ? Number.NaN : f.value / f.floor;
}

export function targetText(t: Target | undefined, unit: string): string {
  if (t === undefined) return "";
  return t.on === "ratio" ? `ratio ${t.op} ${t.limit}` : `${t.op} ${t.limit} ${unit}`;
}

/** "yes", "NO", or "" when the figure has no target. */
export function metText(f: Figure): string {
  const t = f.target;
  if (t === undefined) return "";
  const x = t.on === "ratio" ? ratioOf(f) : f.value;
  if (!Number.isFinite(x)) return "n/a";
  return (t.op === "<=" ? x <= t.limit : x >= t.limit) ? "yes" : "NO";
}

function ratioText(f: Figure): string {
  const r = ratioOf(f);
  return Number.isFinite(r) ? `${fmt(r, r >= 100 ? 0 : 2)}x` : "";
}

/** A plain-text table that is also a valid Markdown table. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

const HEADER = ["figure", "value", "floor", "ratio", "target", "met"] as const;

function figureRow(f: Figure, prefix = ""): string[] {
  const floor = f.floor === undefined ? "" : `${fmt(f.floor)}${f.floorLabel ? ` (${f.floorLabel})` : ""}`;
  return [`${prefix}${f.name} [${f.unit}]`, fmt(f.value), floor, ratioText(f), targetText(f.target, f.unit), metText(f)];
}

export function printScenario(result: ScenarioResult): void {
  const tables = (result.tables ?? []).flatMap((t) => [t.caption, "", table(t.header, t.rows), ""]);
  const out = [`\n## ${result.scenario}: ${result.title}\n`, ...result.notes.map((n) => `- ${n}`), "", ...tables, table(HEADER, result.figures.map((f) => figureRow(f))), ""];
  process.stdout.write(`${out.join("\n")}\n`);
}

export function printSummary(results: readonly ScenarioResult[]): void {
  const rows = results.flatMap((r) => r.figures.filter((f) => f.target !== undefined).map((f) => figureRow(f, `${r.scenario}: `)));
  if (rows.length === 0) return;
  process.stdout.write(`\n## Targets\n\n${table(HEADER, rows)}\n`);
}
