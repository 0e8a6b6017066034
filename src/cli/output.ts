import { InvalidArgumentError, Option } from "commander";

export const OutputFormat = { TABLE: "table", JSON: "json", PLAIN: "plain" } as const;
export type OutputFormat = (typeof OutputFormat)[keyof typeof OutputFormat];

/** `-o, --output` for every listing. */
export function outputOption(): Option {
  return new Option("-o, --output <format>", "output format").choices(Object.values(OutputFormat)).default(OutputFormat.TABLE);
}

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

export function isoMs(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString();
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** Renders rows as an aligned table, tab-separated plain lines, or JSON (the objects given). */
export function render<T>(rows: readonly T[], columns: readonly Column<T>[], format: OutputFormat, json: (row: T) => unknown = (r) => r): string {
  if (format === OutputFormat.JSON) return JSON.stringify(rows.map(json), null, 2);
  const cells = rows.map((r) => columns.map((c) => cell(c.value(r))));
  if (format === OutputFormat.PLAIN) return cells.map((r) => r.join("\t")).join("\n");
  if (rows.length === 0) return "(none)";
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(columns.map((c) => c.header)), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

/** An integer option >= min, written in plain decimal (Number() would take "", "1e2", "0x10" and round past 2^53). */
export function parseIntArg(name: string, min: number) {
  return (value: string): number => {
    const n = /^-?\d{1,15}$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min} (got '${value}')`);
    return n;
  };
}
