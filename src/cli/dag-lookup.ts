import type { SerializedDag } from "../dag/types.js";
import type { DagRow } from "../store/schema.js";
import type { CliContext } from "./context.js";

/** A DAG as the database holds it, after re-parsing the DAG folder unless `parse` is false (`--no-parse`). */
export async function lookupDag({ config, store }: CliContext, dagId: string, parse: boolean): Promise<{ row: DagRow; dag: SerializedDag }> {
  const { syncDagsFolder } = await import("../scheduler/dag-sync.js");
  const { getDag, parseSerializedDag } = await import("../store/queries/dags.js");
  if (parse) await syncDagsFolder(store, config);
  const row = await getDag(store.db, dagId);
  return { row, dag: parseSerializedDag(row) };
}
