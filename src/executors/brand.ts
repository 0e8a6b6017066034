import type { BaseExecutor } from "./base.js";
import type { ExecutorContext } from "./types.js";

/**
 * Marks executor classes. A custom executor may extend BaseExecutor from another copy of this
 * package (dist vs src, or a DAG project's own install), where `instanceof` fails; the registered
 * symbol is the same in every copy.
 */
export const EXECUTOR_BRAND: unique symbol = Symbol.for("switchyard.executor") as never;

/** A concrete executor class, as the loader instantiates it. */
export type ExecutorClass = new (context: ExecutorContext) => BaseExecutor;

/** True for a class extending BaseExecutor from any copy of this package. */
export function isExecutorClass(value: unknown): value is ExecutorClass {
  return typeof value === "function" && (value as unknown as Record<symbol, unknown>)[EXECUTOR_BRAND] === true;
}
