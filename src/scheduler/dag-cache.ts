import type { Kysely } from "kysely";
import type { SerializedDag, SerializedTask } from "../dag/types.js";
import { getSerializedDag, parseSerializedDag } from "../store/queries/dags.js";
import type { Database } from "../store/schema.js";

/** A serialized DAG with the lookups the scheduler needs per event. */
export interface CachedDag {
  readonly dag: SerializedDag;
  readonly tasks: ReadonlyMap<string, SerializedTask>;
  /** Task id → position in topological order. */
  readonly order: ReadonlyMap<string, number>;
  readonly leaves: readonly string[];
}

export function indexDag(dag: SerializedDag): CachedDag {
  return {
    dag,
    tasks: new Map(dag.tasks.map((t) => [t.taskId, t])),
    order: new Map(dag.tasks.map((t, i) => [t.taskId, i])),
    leaves: dag.tasks.filter((t) => t.downstream.length === 0).map((t) => t.taskId),
  };
}

/**
 * Serialized DAGs as the database holds them. The scheduler reads them per event, so they are kept
 * in memory and dropped whenever a parse writes new ones.
 */
export class DagCache {
  private readonly cache = new Map<string, CachedDag>();

  constructor(private readonly db: Kysely<Database>) {}

  /**
   * @param db - the handle to read through on a miss. Inside a transaction pass the transaction:
   * SQLite has one connection, and reading around the transaction would wait for it forever.
   */
  async get(dagId: string, db: Kysely<Database> = this.db): Promise<CachedDag | undefined> {
    const hit = this.cache.get(dagId);
    if (hit) return hit;
    const row = await getSerializedDag(db, dagId);
    if (!row) return undefined;
    const cached = indexDag(parseSerializedDag(row));
    this.cache.set(dagId, cached);
    return cached;
  }

  clear(): void {
    this.cache.clear();
  }
}
