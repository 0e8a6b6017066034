import { parseStoredDagText } from "../../../dag/stored-form.js";
import type { SerializedDag } from "../../../dag/types.js";
import type { DagRow } from "../../schema.js";

export function parseSerializedDag(row: Pick<DagRow, "serialized">): SerializedDag {
  return parseStoredDagText(row.serialized);
}
