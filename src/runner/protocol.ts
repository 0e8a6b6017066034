import { z } from "../common/zod.js";
import type { TaskInstanceKey } from "../common/keys.js";
import type { TaskEvent, Workload } from "../common/workload.js";
import type { FnSlicePhase } from "./types.js";
import { RunnerProtocolError } from "./errors.js";
import { describeIssues, taskEventSchema, taskInstanceKeySchema, workloadSchema } from "./workload-schema.js";

/**
 * Parent (executor) → runner child. Messages are delivered in the order they were sent; the
 * executor batches the tries it starts in one heartbeat into one `runs` message (one write on
 * the channel instead of one per try).
 */
export type ParentMessage =
  | { readonly type: "run"; readonly workload: Workload }
  | { readonly type: "runs"; readonly workloads: readonly Workload[] }
  /** Stop a try; `reason` (why it is stopped) goes into its log. */
  | { readonly type: "kill"; readonly key: TaskInstanceKey; readonly reason?: string }
  /** Finish the tries in flight, then exit. */
  | { readonly type: "shutdown" }
  /**
   * The scheduler's lease, renewed with each heartbeat it records: past `until` (epoch ms, this
   * host's clock) the runner kills its tries and exits, even if the scheduler is frozen and
   * cannot tell it to, because a peer may then re-run them.
   */
  | { readonly type: "lease"; readonly until: number };

/** Runner child → parent. Events reported in the same turn of the runner's event loop travel as one `events` message. */
export type ChildMessage =
  /** The runner listens for messages; sent once, first. */
  | { readonly type: "ready" }
  | { readonly type: "event"; readonly event: TaskEvent }
  | { readonly type: "events"; readonly events: readonly TaskEvent[] }
  /**
   * Sent every RUNNER_HEARTBEAT_MS from the runner's event loop: a runner silent for longer than
   * the executor's `runner_heartbeat_timeout` has a blocked loop.
   */
  | { readonly type: "heartbeat" }
  /** Just before an fn try's function is called, and once that synchronous call has returned: who blocked a loop. */
  | { readonly type: "fn"; readonly key: TaskInstanceKey; readonly phase: FnSlicePhase };

const parentMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("run"), workload: workloadSchema }),
  z.object({ type: z.literal("runs"), workloads: z.array(workloadSchema) }),
  z.object({ type: z.literal("kill"), key: taskInstanceKeySchema, reason: z.string().optional() }),
  z.object({ type: z.literal("shutdown") }),
  z.object({ type: z.literal("lease"), until: z.number().finite() }),
]);

const childMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready") }),
  z.object({ type: z.literal("event"), event: taskEventSchema }),
  z.object({ type: z.literal("events"), events: z.array(taskEventSchema) }),
  z.object({ type: z.literal("heartbeat") }),
  z.object({ type: z.literal("fn"), key: taskInstanceKeySchema, phase: z.enum(["calling", "returned"]) }),
]);

export function parseParentMessage(raw: unknown): ParentMessage {
  const parsed = parentMessageSchema.safeParse(raw);
  if (!parsed.success) {
    throw new RunnerProtocolError(
      `malformed message from the executor (valid types: run, runs, kill, shutdown, lease): ${describeIssues(parsed.error, "message")}`,
    );
  }
  return parsed.data as ParentMessage;
}

export function parseChildMessage(raw: unknown): ChildMessage {
  const parsed = childMessageSchema.safeParse(raw);
  if (!parsed.success) {
    throw new RunnerProtocolError(
      `malformed message from a runner process (valid types: ready, event, events, heartbeat, fn): ${describeIssues(parsed.error, "message")}`,
    );
  }
  return parsed.data as ChildMessage;
}

/** The events a child message carries (none for `ready`, `heartbeat` and `fn`). */
export function eventsOf(message: ChildMessage): readonly TaskEvent[] {
  switch (message.type) {
    case "ready":
    case "heartbeat":
    case "fn":
      return [];
    case "event":
      return [message.event];
    case "events":
      return message.events;
  }
}
