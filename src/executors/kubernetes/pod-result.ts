import { eventInfoSchema } from "../../runner/workload-schema.js";
import type { EventInfo } from "../../common/workload.js";
import { z } from "../../common/zod.js";

/** The line a pod's `switchyard tasks run` writes near the end of its log: how the try ended, as JSON. */
export const RESULT_PREFIX = "switchyard-result: ";

const resultSchema = z.object({ state: z.enum(["success", "failed"]), info: eventInfoSchema });
export type PodResult = { readonly state: "success" | "failed"; readonly info: EventInfo };

/** The last result line in `text` (a log tail or a termination message), or null. */
export function findResult(text: string | undefined): PodResult | null {
  if (text === undefined) return null;
  const lines = text.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    const at = line.indexOf(RESULT_PREFIX);
    if (at < 0) continue;
    try {
      const parsed = resultSchema.safeParse(JSON.parse(line.slice(at + RESULT_PREFIX.length)));
      if (parsed.success) return parsed.data as PodResult;
    } catch {
      // a cut line (a termination message is at most 2048 bytes): look further up
    }
  }
  return null;
}

/** The last non-empty line of a termination message: the reason a failed pod gives (the pod's contract). */
export function lastLine(text: string | undefined): string | null {
  if (text === undefined) return null;
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.includes(RESULT_PREFIX));
  return lines.at(-1) ?? null;
}
