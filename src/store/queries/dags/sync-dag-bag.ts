import path from "node:path";
import type { Kysely } from "kysely";
import { storedDagText } from "../../../dag/stored-form.js";
import type { DagImportError, SerializedDag } from "../../../dag/types.js";
import type { Database } from "../../schema.js";

export interface DagSyncRow {
  dag: SerializedDag;
  /** For DAGs new to the database: whether they start paused. */
  pausedIfNew: boolean;
  /** Computes next_dagrun_at for a DAG that is new or whose schedule changed. */
  nextDagrunAt: number | null;
}

/**
 * Writes one parse of the DAG folder atomically: DAGs upserted, DAGs no longer defined by a
 * parsed file deactivated, import errors replaced for every parsed file.
 */
export async function syncDagBag(
  db: Kysely<Database>,
  input: {
    dags: readonly DagSyncRow[];
    errors: readonly DagImportError[];
    files: readonly string[];
    /** The folders this parse covered: only DAGs from files under them can be found gone. */
    folders: readonly string[];
    now: number;
  },
): Promise<void> {
  // Written out before the transaction: for a large DAG that takes a while, and on SQLite a
  // transaction that read, then writes after another connection committed, fails as "database is locked".
  const serialized = new Map(input.dags.map(({ dag }) => [dag.dagId, storedDagText(dag)]));
  await db.transaction().execute(async (trx) => {
    const existing = new Map(
      (await trx.selectFrom("dag").select(["dag_id", "schedule", "start_date", "fileloc", "serialized", "is_active", "description"]).execute()).map((r) => [r.dag_id, r]),
    );
    /** Active DAGs whose serialized form is what the database holds: only their parse time is written. */
    const unchanged: string[] = [];
    for (const { dag, pausedIfNew, nextDagrunAt } of input.dags) {
      const old = existing.get(dag.dagId);
      // An unchanged folder is the common case (every scheduler start, every CLI parse): rewriting a
      // big DAG's serialized form each time would cost a write of its size for nothing. (The other
      // columns are compared too: a column added by a migration starts out NULL beside an unchanged form.)
      if (
        old !== undefined &&
        old.is_active === 1 &&
        old.serialized === serialized.get(dag.dagId) &&
        old.fileloc === dag.fileloc &&
        old.schedule === dag.schedule &&
        old.start_date === dag.startDate &&
        old.description === dag.description
      ) {
        unchanged.push(dag.dagId);
        continue;
      }
      if (!old) {
        await trx
          .insertInto("dag")
          .values({
            dag_id: dag.dagId,
            fileloc: dag.fileloc,
            is_paused: pausedIfNew ? 1 : 0,
            is_active: 1,
            schedule: dag.schedule,
            next_dagrun_at: nextDagrunAt,
            last_parsed_at: input.now,
            serialized: serialized.get(dag.dagId)!,
            start_date: dag.startDate,
            description: dag.description,
          })
          .execute();
        continue;
      }
      // NULL is also what a row written before start_date existed holds: recomputing once is harmless.
      const scheduleChanged = old.schedule !== dag.schedule || old.start_date !== dag.startDate;
      await trx
        .updateTable("dag")
        .set({
          fileloc: dag.fileloc,
          is_active: 1,
          schedule: dag.schedule,
          last_parsed_at: input.now,
          serialized: serialized.get(dag.dagId)!,
          start_date: dag.startDate,
          description: dag.description,
          ...(scheduleChanged ? { next_dagrun_at: nextDagrunAt } : {}),
        })
        .where("dag_id", "=", dag.dagId)
        .execute();
    }
    if (unchanged.length > 0) {
      await trx.updateTable("dag").set({ last_parsed_at: input.now }).where("dag_id", "in", unchanged).execute();
    }
    const defined = new Set(input.dags.map((d) => d.dag.dagId));
    const covered = (file: string) => input.folders.some((f) => file === f || file.startsWith(f.endsWith(path.sep) ? f : f + path.sep));
    // A DAG is gone when a parsed folder no longer defines it: its file changed or vanished. DAGs
    // from folders this parse did not cover (e.g. the examples, for a CLI without load_examples) stay,
    // and so do those of a file with an import error: they keep their last good definition (Airflow's rule).
    const failed = new Set(input.errors.map((e) => e.filename));
    const deactivate = [...existing.values()].filter((r) => covered(r.fileloc) && !defined.has(r.dag_id) && !failed.has(r.fileloc)).map((r) => r.dag_id);
    if (deactivate.length > 0) {
      await trx.updateTable("dag").set({ is_active: 0 }).where("dag_id", "in", deactivate).execute();
    }
    const replaced = (await trx.selectFrom("import_error").select(["id", "filename"]).execute()).filter((e) => covered(e.filename));
    if (replaced.length) await trx.deleteFrom("import_error").where("id", "in", replaced.map((e) => e.id)).execute();
    for (const e of input.errors) {
      await trx.insertInto("import_error").values({ filename: e.filename, message: e.message, timestamp: input.now }).execute();
    }
  });
}
