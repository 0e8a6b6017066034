import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";

export async function listImportErrors(db: Kysely<Database>) {
  return db.selectFrom("import_error").selectAll().orderBy("filename").execute();
}
