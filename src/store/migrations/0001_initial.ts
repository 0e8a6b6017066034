import type { Kysely } from "kysely";
import { sql } from "../kysely.js";
import { columnTypes, type DialectKind } from "../dialect.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was, not the current types */
export async function up(db: Kysely<any>, kind: DialectKind): Promise<void> {
  const { timestamp } = columnTypes(kind);
  // Names and ids compare and sort byte-wise on both dialects (SQLite's default), whatever the
  // PostgreSQL database's locale: listings come out in the same order everywhere.
  const name = kind === "postgres" ? sql`varchar(250) collate "C"` : "varchar(250)";
  const text = kind === "postgres" ? sql`text collate "C"` : "text";
  // SQLite only auto-increments an `integer primary key`; PostgreSQL uses an identity column.
  const withId = (table: string) =>
    kind === "postgres"
      ? db.schema.createTable(table).addColumn("id", "bigint", (c) => c.primaryKey().generatedByDefaultAsIdentity())
      : db.schema.createTable(table).addColumn("id", "integer", (c) => c.primaryKey().autoIncrement());

  await db.schema
    .createTable("dag")
    .addColumn("dag_id", name, (c) => c.primaryKey())
    .addColumn("fileloc", "text", (c) => c.notNull())
    .addColumn("is_paused", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("is_active", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("schedule", "text")
    .addColumn("next_dagrun_at", timestamp)
    .addColumn("last_parsed_at", timestamp, (c) => c.notNull())
    .addColumn("serialized", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .execute();

  await withId("dag_run")
    .addColumn("dag_id", name, (c) => c.notNull())
    .addColumn("run_id", name, (c) => c.notNull())
    .addColumn("state", "varchar(20)", (c) => c.notNull())
    .addColumn("run_type", "varchar(20)", (c) => c.notNull())
    .addColumn("logical_date", timestamp, (c) => c.notNull())
    .addColumn("queued_at", timestamp, (c) => c.notNull())
    .addColumn("start_date", timestamp)
    .addColumn("end_date", timestamp)
    .addColumn("conf", "text", (c) => c.notNull().defaultTo("{}"))
    .addUniqueConstraint("dag_run_dag_id_run_id_uq", ["dag_id", "run_id"])
    .execute();
  await db.schema.createIndex("dag_run_state_idx").on("dag_run").columns(["state", "dag_id"]).execute();

  await db.schema
    .createTable("task_instance")
    .addColumn("dag_id", name, (c) => c.notNull())
    .addColumn("run_id", name, (c) => c.notNull())
    .addColumn("task_id", name, (c) => c.notNull())
    .addColumn("map_index", "integer", (c) => c.notNull().defaultTo(-1))
    .addColumn("dag_run_id", "bigint", (c) => c.notNull())
    .addColumn("state", "varchar(20)", (c) => c.notNull())
    .addColumn("try_number", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("max_tries", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("executor", name, (c) => c.notNull())
    .addColumn("queue", name, (c) => c.notNull())
    .addColumn("pool", name, (c) => c.notNull())
    .addColumn("pool_slots", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("priority_weight", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("operator", "varchar(20)", (c) => c.notNull())
    .addColumn("hostname", "varchar(250)")
    .addColumn("pid", "integer")
    .addColumn("external_executor_id", "varchar(250)")
    .addColumn("queued_by_job_id", "bigint")
    .addColumn("queued_at", timestamp)
    .addColumn("start_date", timestamp)
    .addColumn("end_date", timestamp)
    .addColumn("duration", "double precision")
    .addColumn("next_retry_at", timestamp)
    .addColumn("last_heartbeat_at", timestamp)
    .addColumn("try_token", "varchar(64)")
    .addColumn("pending_reason", "text")
    .addColumn("return_value", "text")
    .addColumn("updated_at", timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint("task_instance_pk", ["dag_id", "run_id", "task_id", "map_index"])
    .execute();
  // The scheduler's hot queries only ever touch unfinished TIs: index by state first so their cost
  // follows the number of active TIs, not the number of finished ones.
  await db.schema
    .createIndex("ti_state_priority_idx")
    .on("task_instance")
    .columns(["state", "priority_weight"])
    .execute();
  await db.schema.createIndex("ti_dag_run_state_idx").on("task_instance").columns(["dag_run_id", "state"]).execute();
  await db.schema.createIndex("ti_updated_at_idx").on("task_instance").column("updated_at").execute();
  await db.schema.createIndex("ti_state_retry_idx").on("task_instance").columns(["state", "next_retry_at"]).execute();

  await db.schema
    .createTable("pool")
    .addColumn("name", name, (c) => c.primaryKey())
    .addColumn("slots", "integer", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("include_deferred", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db
    .insertInto("pool")
    .values({ name: "default_pool", slots: 128, description: "Default pool", include_deferred: 0 })
    .execute();

  await withId("job")
    .addColumn("job_type", "varchar(30)", (c) => c.notNull())
    .addColumn("state", "varchar(20)", (c) => c.notNull())
    .addColumn("hostname", "varchar(250)", (c) => c.notNull())
    .addColumn("pid", "integer", (c) => c.notNull())
    .addColumn("start_date", timestamp, (c) => c.notNull())
    .addColumn("end_date", timestamp)
    .addColumn("latest_heartbeat", timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("job_state_idx").on("job").columns(["job_type", "state"]).execute();

  await withId("import_error")
    .addColumn("filename", text, (c) => c.notNull().unique())
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("timestamp", timestamp, (c) => c.notNull())
    .execute();

  await withId("audit_log")
    .addColumn("ts", timestamp, (c) => c.notNull())
    .addColumn("dag_id", name, (c) => c.notNull())
    .addColumn("run_id", name)
    .addColumn("task_id", name)
    .addColumn("map_index", "integer")
    .addColumn("try_number", "integer")
    .addColumn("event", "varchar(60)", (c) => c.notNull())
    .addColumn("from_state", "varchar(20)")
    .addColumn("to_state", "varchar(20)")
    .addColumn("reason", "text")
    .addColumn("source", "varchar(60)", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("audit_log_ti_idx").on("audit_log").columns(["dag_id", "run_id", "task_id"]).execute();

  await db.schema
    .createTable("task_log")
    .addColumn("dag_id", name, (c) => c.notNull())
    .addColumn("run_id", name, (c) => c.notNull())
    .addColumn("task_id", name, (c) => c.notNull())
    .addColumn("map_index", "integer", (c) => c.notNull())
    .addColumn("try_number", "integer", (c) => c.notNull())
    .addColumn("path", "text", (c) => c.notNull())
    .addColumn("executor", name, (c) => c.notNull())
    .addPrimaryKeyConstraint("task_log_pk", ["dag_id", "run_id", "task_id", "map_index", "try_number"])
    .execute();

  if (kind === "postgres") {
    // Commits to the tables a scheduler acts on notify COMMIT_CHANNEL (see store/postgres-commit-watch.ts)
    // with the schema as payload: how a scheduler hears of a trigger, a pause or a try recorded by
    // another process. Statement triggers, so a batch costs one notification, folded per transaction.
    await sql`create or replace function switchyard_notify_commit() returns trigger language plpgsql as $$
      begin
        perform pg_notify('switchyard_commit', tg_table_schema);
        return null;
      end $$`.execute(db);
    for (const table of ["dag", "dag_run", "task_instance", "pool"]) {
      await sql`create trigger ${sql.raw(`${table}_notify_commit`)} after insert or update or delete on ${sql.table(table)}
        for each statement execute function switchyard_notify_commit()`.execute(db);
    }
  }
}
