import { z } from "../common/zod.js";
import { compileExecutorSection, intSetting } from "./options.js";

/** `[executors.SequentialExecutor]` settings. */
export interface SequentialExecutorOptions {
  /**
   * Only 1 is valid: the executor runs one try at a time in the scheduler's own process.
   * @defaultValue 1
   */
  parallelism?: 1;
}

export interface CompiledSequentialExecutorOptions {
  readonly parallelism: 1;
}

const WHY =
  "must be 1: the SequentialExecutor runs one try at a time in the scheduler's own process " +
  "(use the LocalExecutor to run several at once)";

const schema = z.object({
  parallelism: intSetting(1, WHY).pipe(z.literal(1, { error: WHY })).optional(),
});

export function compileSequentialExecutorOptions(
  raw: Readonly<Record<string, unknown>>,
  context: { readonly executor: string },
): CompiledSequentialExecutorOptions {
  compileExecutorSection(context.executor, schema, raw);
  return Object.freeze({ parallelism: 1 });
}
