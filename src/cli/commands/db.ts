import { Command } from "commander";
import { SwitchyardError } from "../../common/errors.js";
import { cliConfig, out } from "../context.js";

export function dbCommand(): Command {
  const db = new Command("db").description("create, migrate, reset and check the metadata database");

  db.command("init")
    .description("create the metadata database (SQLite file or PostgreSQL schema) and apply every migration")
    .action(async () => {
      const { openStore } = await import("../../store/connect.js");
      const { migrateStore } = await import("../../store/migrate.js");
      const store = await openStore((await cliConfig()).database, { create: true });
      try {
        const applied = await migrateStore(store);
        out(applied.length ? `initialised ${store.displayUrl} (applied ${applied.join(", ")})` : `${store.displayUrl} is already up to date`);
      } finally {
        await store.close();
      }
    });

  db.command("migrate")
    .description("apply pending migrations")
    .action(async () => {
      const { openStore } = await import("../../store/connect.js");
      const { migrateStore } = await import("../../store/migrate.js");
      const store = await openStore((await cliConfig()).database, { create: true });
      try {
        const applied = await migrateStore(store);
        out(applied.length ? `applied ${applied.join(", ")}` : "nothing to migrate: the schema is current");
      } finally {
        await store.close();
      }
    });

  db.command("reset")
    .description("drop every Switchyard table and recreate them empty (all runs and history are lost)")
    .option("-y, --yes", "do not ask for confirmation (required when there is no terminal)")
    .action(async (opts: { yes?: boolean }) => {
      if (!opts.yes) {
        throw new SwitchyardError("CLI_CONFIRMATION_REQUIRED", "db reset deletes every DAG run and task instance; run it again with --yes to confirm");
      }
      const { openStore } = await import("../../store/connect.js");
      const { resetStore } = await import("../../store/migrate.js");
      const store = await openStore((await cliConfig()).database, { create: true });
      try {
        await resetStore(store);
        out(`reset ${store.displayUrl}`);
      } finally {
        await store.close();
      }
    });

  db.command("check")
    .description("check that the database answers and its schema matches this version (exit 1 otherwise)")
    .action(async () => {
      const { openStore } = await import("../../store/connect.js");
      const { schemaStatus } = await import("../../store/migrate.js");
      const { KNOWN_MIGRATIONS } = await import("../../store/migrations/index.js");
      const store = await openStore((await cliConfig()).database);
      try {
        const status = await schemaStatus(store);
        if (status === null) throw new SwitchyardError("DB_NOT_INITIALIZED", `${store.displayUrl} answers but has no Switchyard tables; run \`switchyard db init\``);
        if (status.unknown.length) throw new SwitchyardError("DB_SCHEMA_TOO_NEW", `${store.displayUrl}: schema is newer than this Switchyard (${status.unknown.join(", ")})`);
        if (status.pending.length) throw new SwitchyardError("DB_NEEDS_MIGRATION", `${store.displayUrl}: ${status.pending.length} pending migration(s) (${status.pending.join(", ")}); run \`switchyard db migrate\``);
        out(`${store.displayUrl}: ok (schema ${KNOWN_MIGRATIONS.at(-1)})`);
      } finally {
        await store.close();
      }
    });
  return db;
}
