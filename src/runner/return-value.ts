import { errorLine } from "../common/errors.js";
import { MAX_RETURN_VALUE_BYTES } from "./constants.js";

export type ReturnValueResult =
  | { readonly kind: "none" }
  | { readonly kind: "value"; readonly value: unknown }
  | { readonly kind: "dropped"; readonly note: string };

/**
 * What of an `fn` task's result travels back with the success event: a plain JSON copy when it
 * serializes to at most MAX_RETURN_VALUE_BYTES, nothing otherwise (the try still succeeds).
 * The copy is what crosses IPC, Redis or a pod log, so Dates become strings here, not later.
 */
export function toReturnValue(result: unknown, limit = MAX_RETURN_VALUE_BYTES): ReturnValueResult {
  if (result === undefined) return { kind: "none" };
  let json: string | undefined;
  try {
    json = JSON.stringify(result);
  } catch (error) {
    return { kind: "dropped", note: `return value is not JSON-serialisable (${errorLine(error)}); it is not kept` };
  }
  if (json === undefined) return { kind: "dropped", note: `return value of type ${typeof result} is not JSON-serialisable; it is not kept` };
  const bytes = Buffer.byteLength(json);
  if (bytes > limit) return { kind: "dropped", note: `return value is ${bytes} bytes of JSON, over the ${limit}-byte limit; it is not kept` };
  return { kind: "value", value: JSON.parse(json) as unknown };
}
