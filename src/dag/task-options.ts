import { TRIGGER_RULES, WEIGHT_RULES } from "../common/states.js";
import { TASK_OPTION_NAMES, type TaskOptions } from "./types.js";
import { describeValue } from "./ids.js";

const OPTION_NAMES: ReadonlySet<string> = new Set(TASK_OPTION_NAMES);

/**
 * Every problem with a task's options (or a DAG's `defaults`), one line each; empty when valid.
 * `undefined` values count as unset, so `{ executor: cond ? "k8s" : undefined }` is fine.
 */
export function taskOptionProblems(options: unknown): string[] {
  if (options === undefined) return [];
  if (!isPlainObject(options)) return [`options must be an object, got ${describeValue(options)}`];
  const problems: string[] = [];
  for (const [name, value] of Object.entries(options)) {
    if (!OPTION_NAMES.has(name)) {
      problems.push(`unknown option '${name}'; valid options: ${TASK_OPTION_NAMES.join(", ")}`);
      continue;
    }
    if (value === undefined) continue;
    const problem = optionValueProblem(name as keyof TaskOptions, value);
    if (problem !== null) problems.push(`option '${name}' ${problem}, got ${describeValue(value)}`);
  }
  return problems;
}

function optionValueProblem(name: keyof TaskOptions, value: unknown): string | null {
  switch (name) {
    case "executor":
    case "queue":
    case "pool":
      return typeof value === "string" && value.trim() !== "" ? null : "must be a non-empty string";
    case "poolSlots":
    case "maxActiveTisPerDag":
    case "maxActiveTisPerDagrun":
      return isInteger(value) && value >= 1 ? null : "must be an integer >= 1";
    case "priorityWeight":
      return isInteger(value) ? null : "must be an integer";
    case "retries":
      return isInteger(value) && value >= 0 ? null : "must be an integer >= 0";
    case "retryDelay":
    case "maxRetryDelay":
      return isFiniteNumber(value) && value >= 0 ? null : "must be a number of seconds >= 0";
    case "timeout":
      return isFiniteNumber(value) && value > 0 ? null : "must be a number of seconds > 0";
    case "retryExponentialBackoff":
      return typeof value === "boolean" ? null : "must be true or false";
    case "weightRule":
      return (WEIGHT_RULES as readonly unknown[]).includes(value) ? null : `must be one of ${WEIGHT_RULES.join(", ")}`;
    case "triggerRule":
      return (TRIGGER_RULES as readonly unknown[]).includes(value) ? null : `must be one of ${TRIGGER_RULES.join(", ")}`;
    case "executorConfig":
      return isPlainObject(value) ? null : "must be a plain object";
    case "env":
      if (!isPlainObject(value)) return "must be a plain object of string values";
      for (const [key, v] of Object.entries(value)) {
        if (typeof v !== "string") return `must map names to strings, but '${key}' is ${describeValue(v)}`;
      }
      return null;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}
