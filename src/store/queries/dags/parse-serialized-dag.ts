import type { SerializedDag } from "../../../dag/types.js";
import type { DagRow } from "../../schema.js";

export function parseSerializedDag(row: Pick<DagRow, "serialized">): SerializedDag {
  return JSON.parse(row.serialized) as SerializedDag;
}
