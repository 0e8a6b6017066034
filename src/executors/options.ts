import { z } from "../common/zod.js";
import { ExecutorOptionsError } from "./errors.js";

/**
 * Validate an `[executors.<name>]` section against an executor's strict zod schema. Every error
 * names the section and key, says what was wrong and what is valid; unknown keys list the valid ones.
 */
export function compileExecutorSection<S extends z.ZodObject>(
  executor: string,
  schema: S,
  raw: Readonly<Record<string, unknown>>,
): z.output<S> {
  const parsed = schema.strict().safeParse(raw);
  if (parsed.success) return parsed.data as z.output<S>;
  const validKeys = Object.keys(schema.shape).join(", ") || "none";
  const issue = parsed.error.issues[0] as z.core.$ZodIssue;
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    throw new ExecutorOptionsError(
      executor,
      key,
      `[executors.${executor}] ${issue.keys.map((k) => `'${k}'`).join(", ")}: unknown key; valid keys: ${validKeys}`,
    );
  }
  const key = issue.path.map(String).join(".");
  const got = describeGot(raw[String(issue.path[0])]);
  throw new ExecutorOptionsError(executor, key, `[executors.${executor}] ${key}: ${issue.message} (got ${got})`);
}

function describeGot(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined) return "nothing";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * A whole number >= min. Numeric strings are accepted too: `SWITCHYARD__EXECUTORS__X__KEY`
 * overrides arrive as strings.
 */
export function intSetting(min: number, what: string) {
  return z.preprocess(
    (v) => (typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : v),
    z.number({ error: `must be ${what}` }).int({ error: `must be ${what}` }).min(min, { error: `must be ${what}` }),
  );
}
