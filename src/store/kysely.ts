/**
 * The one module that loads Kysely's code: every other module imports Kysely's values from here
 * (its types may come from "kysely" directly; they are erased). The build bundles this module with
 * Kysely into one file (scripts/bundle-vendor.mjs): the ~260 ES modules of Kysely's own build cost a
 * starting process about 130 ms of CPU to load, one bundled file about 12 ms. Since nothing else
 * loads Kysely at run time, a process holds one copy of it, and its classes one identity.
 */
export { CompiledQuery, Kysely, Migrator, PostgresAdapter, PostgresDialect, SqliteDialect, SqliteDriver, sql } from "kysely";
