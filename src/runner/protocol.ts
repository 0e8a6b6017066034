import { z } from "zod";
import type { TaskInstanceKey } from "../common/keys.js";
import type { TaskEvent, Workload } from "../common/workload.js";
import { RunnerProtocolError } from "./errors.js";
import { describeIssues, taskEventSchema, taskInstanceKeySchema, workloadSchema } from "./workload-schema.js";

/** Parent (executor) → runner child. */
export type ParentMessage =
  | { readonly type: "run"; readonly workload: Workload }
  | { readonly type: "kill"; readonly key: TaskInstanceKey }
  /** Finish the tries in flight, then exit. */
  | { readonly type: "shutdown" };

/** Runner child → parent. */
export type ChildMessage =
  /** The runner listens for messages; sent once, first. */
  | { readonly type: "ready" }
  | { readonly type: "event"; readonly event: TaskEvent };

const parentMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("run"), workload: workloadSchema }),
  z.object({ type: z.literal("kill"), key: taskInstanceKeySchema }),
  z.object({ type: z.literal("shutdown") }),
]);

const childMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready") }),
  z.object({ type: z.literal("event"), event: taskEventSchema }),
]);

export function parseParentMessage(raw: unknown): ParentMessage {
  const parsed = parentMessageSchema.safeParse(raw);
  if (!parsed.success) {
    throw new RunnerProtocolError(
      `malformed message from the executor (valid types: run, kill, shutdown): ${describeIssues(parsed.error, "message")}`,
    );
  }
  return parsed.data as ParentMessage;
}

export function parseChildMessage(raw: unknown): ChildMessage {
  const parsed = childMessageSchema.safeParse(raw);
  if (!parsed.success) {
    throw new RunnerProtocolError(
      `malformed message from a runner process (valid types: ready, event): ${describeIssues(parsed.error, "message")}`,
    );
  }
  return parsed.data as ChildMessage;
}
