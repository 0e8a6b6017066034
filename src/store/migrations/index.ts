import type { Kysely } from "kysely";
import type { Migration } from "kysely";
import type { DialectKind } from "../dialect.js";
import * as m0001 from "./0001_initial.js";
import * as m0002 from "./0002_candidate_index.js";
import * as m0003 from "./0003_dag_start_date.js";
import * as m0004 from "./0004_task_instance_worker.js";

interface DialectMigration {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations predate the current schema types
  up(db: Kysely<any>, kind: DialectKind): Promise<void>;
}

/** Every migration this code knows, in order. Names never change once released. */
const MIGRATIONS: ReadonlyArray<readonly [string, DialectMigration]> = [
  ["0001_initial", m0001],
  ["0002_candidate_index", m0002],
  ["0003_dag_start_date", m0003],
  ["0004_task_instance_worker", m0004],
];

export const MIGRATION_TABLE = "switchyard_migration";
export const MIGRATION_LOCK_TABLE = "switchyard_migration_lock";
export const KNOWN_MIGRATIONS: readonly string[] = MIGRATIONS.map(([name]) => name);

export function migrationsFor(kind: DialectKind): Record<string, Migration> {
  return Object.fromEntries(
    MIGRATIONS.map(([name, m]) => [name, { up: (db: Kysely<any>) => m.up(db, kind) }]),
  );
}
