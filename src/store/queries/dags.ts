import path from "node:path";
import type { Kysely } from "kysely";
import type { DagImportError, SerializedDag } from "../../dag/types.js";
import { StoreError, StoreErrorCode } from "../errors.js";
import type { Database, DagRow } from "../schema.js";

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
  await db.transaction().execute(async (trx) => {
    const existing = new Map(
      (await trx.selectFrom("dag").select(["dag_id", "schedule", "start_date", "fileloc"]).execute()).map((r) => [r.dag_id, r]),
    );
    for (const { dag, pausedIfNew, nextDagrunAt } of input.dags) {
      const serialized = JSON.stringify(dag);
      const old = existing.get(dag.dagId);
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
            serialized,
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
          serialized,
          start_date: dag.startDate,
          description: dag.description,
          ...(scheduleChanged ? { next_dagrun_at: nextDagrunAt } : {}),
        })
        .where("dag_id", "=", dag.dagId)
        .execute();
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

export async function listDags(db: Kysely<Database>, opts: { includeInactive?: boolean } = {}): Promise<DagRow[]> {
  let q = db.selectFrom("dag").selectAll();
  if (!opts.includeInactive) q = q.where("is_active", "=", 1);
  return q.orderBy("dag_id").execute();
}

export async function getDag(db: Kysely<Database>, dagId: string): Promise<DagRow> {
  const row = await db.selectFrom("dag").selectAll().where("dag_id", "=", dagId).where("is_active", "=", 1).executeTakeFirst();
  if (!row) {
    const names = (await listDags(db)).map((d) => d.dag_id);
    throw new StoreError(
      StoreErrorCode.NOT_FOUND,
      `no DAG named '${dagId}'; known DAGs: ${names.length ? names.join(", ") : "(none — is dags_folder right? see `switchyard dags list-import-errors`)"}`,
    );
  }
  return row;
}

export function parseSerializedDag(row: Pick<DagRow, "serialized">): SerializedDag {
  return JSON.parse(row.serialized) as SerializedDag;
}

export async function setDagPaused(db: Kysely<Database>, dagId: string, paused: boolean): Promise<void> {
  await getDag(db, dagId);
  await db.updateTable("dag").set({ is_paused: paused ? 1 : 0 }).where("dag_id", "=", dagId).execute();
}

export async function setNextDagrunAt(db: Kysely<Database>, dagId: string, at: number | null): Promise<void> {
  await db.updateTable("dag").set({ next_dagrun_at: at }).where("dag_id", "=", dagId).execute();
}

/** Unpaused active DAGs whose next scheduled run is due. */
export async function dagsDueForRuns(db: Kysely<Database>, now: number): Promise<DagRow[]> {
  return db
    .selectFrom("dag")
    .selectAll()
    .where("is_active", "=", 1)
    .where("is_paused", "=", 0)
    .where("next_dagrun_at", "is not", null)
    .where("next_dagrun_at", "<=", now)
    .execute();
}

export async function nextDagrunDue(db: Kysely<Database>): Promise<number | null> {
  const row = await db
    .selectFrom("dag")
    .select((eb) => eb.fn.min("next_dagrun_at").as("at"))
    .where("is_active", "=", 1)
    .where("is_paused", "=", 0)
    .executeTakeFirst();
  return row?.at == null ? null : Number(row.at);
}

export async function listImportErrors(db: Kysely<Database>) {
  return db.selectFrom("import_error").selectAll().orderBy("filename").execute();
}
