import type { DagDefinition } from "./types.js";

/**
 * Marks DAG objects. A registered symbol, because a DAG file's `switchyard` import may resolve to another
 * copy of this package (src vs dist, or the DAG project's own dependency) where `instanceof` would fail.
 */
export const DAG_BRAND: unique symbol = Symbol.for("switchyard.dag");

export function isDagDefinition(value: unknown): value is DagDefinition {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<PropertyKey, unknown>;
  const tasks = candidate.tasks as { get?: unknown; values?: unknown } | null | undefined;
  return (
    candidate[DAG_BRAND] === true &&
    typeof candidate.dagId === "string" &&
    typeof tasks === "object" &&
    tasks !== null &&
    typeof tasks.get === "function" &&
    typeof tasks.values === "function"
  );
}
