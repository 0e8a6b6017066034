import type { Kysely } from "kysely";
import type { Database } from "../../schema.js";

export async function setPool(
  db: Kysely<Database>,
  pool: { name: string; slots: number; description?: string },
): Promise<void> {
  await db
    .insertInto("pool")
    .values({ name: pool.name, slots: pool.slots, description: pool.description ?? "", include_deferred: 0 })
    .onConflict((oc) =>
      oc.column("name").doUpdateSet({
        slots: pool.slots,
        ...(pool.description !== undefined ? { description: pool.description } : {}),
      }),
    )
    .execute();
}
