import { z } from "../common/zod.js";
import type { TaskInstanceKey } from "../common/keys.js";
import type { EventInfo, TaskEvent, Workload } from "../common/workload.js";

/** Schemas of the contract types, for values that arrive over a process boundary (IPC, queues). */
export const taskInstanceKeySchema = z.object({
  dagId: z.string().min(1),
  taskId: z.string().min(1),
  runId: z.string().min(1),
  mapIndex: z.number().int(),
  tryNumber: z.number().int().min(0),
});

export const workloadSchema = z.object({
  key: taskInstanceKeySchema,
  dagFile: z.string().min(1),
  queue: z.string(),
  pool: z.string(),
  priorityWeight: z.number(),
  executorConfig: z.record(z.string(), z.unknown()),
  token: z.string(),
  logRelativePath: z.string().min(1),
  maxLogBytes: z.number().int().positive().optional(),
  timeout: z.number().positive().nullable(),
  logicalDate: z.string(),
  conf: z.record(z.string(), z.unknown()),
});

export const eventInfoSchema = z.object({
  pid: z.number().int().optional(),
  hostname: z.string().optional(),
  worker: z.string().optional(),
  externalExecutorId: z.string().optional(),
  startDate: z.number().optional(),
  endDate: z.number().optional(),
  error: z.string().optional(),
  returnValue: z.unknown().optional(),
  timedOut: z.boolean().optional(),
});

export const taskEventSchema = z.object({
  key: taskInstanceKeySchema,
  state: z.enum(["queued", "running", "success", "failed"]),
  info: eventInfoSchema,
});

// The schemas must describe the contract types exactly; these fail to compile if they drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameKey: Same<z.infer<typeof taskInstanceKeySchema>, TaskInstanceKey> = true;
const sameWorkload: Same<z.infer<typeof workloadSchema>, Workload> = true;
const sameInfo: Same<z.infer<typeof eventInfoSchema>, EventInfo> = true;
const sameEvent: Same<z.infer<typeof taskEventSchema>, TaskEvent> = true;
void [sameKey, sameWorkload, sameInfo, sameEvent];

/** One line naming every problem zod found, e.g. `workload.key.tryNumber: expected number`. */
export function describeIssues(error: z.ZodError, root: string): string {
  return error.issues
    .map((issue) => `${[root, ...issue.path.map(String)].join(".")}: ${issue.message}`)
    .join("; ");
}
