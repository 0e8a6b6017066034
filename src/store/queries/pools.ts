import type { Kysely } from "kysely";
import { TaskState } from "../../common/states.js";
import { StoreError, StoreErrorCode } from "../errors.js";
import type { Database, PoolRow } from "../schema.js";

export const DEFAULT_POOL = "default_pool";

export interface PoolUsage extends PoolRow {
  /** Slots taken by queued and running TIs. */
  occupied: number;
  queued: number;
  running: number;
  /** slots - occupied, or Infinity for an unlimited pool (slots = -1). */
  open: number;
}

export async function listPools(db: Kysely<Database>): Promise<PoolRow[]> {
  return db.selectFrom("pool").selectAll().orderBy("name").execute();
}

/** Pools with the slots their queued and running TIs occupy (poolSlots counted). */
export async function poolUsage(db: Kysely<Database>): Promise<Map<string, PoolUsage>> {
  const pools = await listPools(db);
  const usage = await db
    .selectFrom("task_instance")
    .select(["pool", "state"])
    .select((eb) => eb.fn.sum<number>("pool_slots").as("slots"))
    .where("state", "in", [TaskState.QUEUED, TaskState.RUNNING])
    .groupBy(["pool", "state"])
    .execute();
  const result = new Map<string, PoolUsage>();
  for (const p of pools) result.set(p.name, { ...p, occupied: 0, queued: 0, running: 0, open: 0 });
  for (const u of usage) {
    const p = result.get(u.pool);
    if (!p) continue;
    const n = Number(u.slots);
    p.occupied += n;
    if (u.state === TaskState.QUEUED) p.queued += n;
    else p.running += n;
  }
  for (const p of result.values()) p.open = p.slots < 0 ? Infinity : p.slots - p.occupied;
  return result;
}

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

export async function deletePool(db: Kysely<Database>, name: string): Promise<void> {
  if (name === DEFAULT_POOL) {
    throw new StoreError(StoreErrorCode.INVALID, `${DEFAULT_POOL} cannot be deleted; change its slots with \`switchyard pools set ${DEFAULT_POOL} <slots>\``);
  }
  await db.transaction().execute(async (trx) => {
    const pool = await trx.selectFrom("pool").select("name").where("name", "=", name).executeTakeFirst();
    if (!pool) {
      const names = (await listPools(trx)).map((p) => p.name);
      throw new StoreError(StoreErrorCode.NOT_FOUND, `no pool named '${name}'; existing pools: ${names.join(", ")}`);
    }
    const active = await trx
      .selectFrom("task_instance")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("pool", "=", name)
      .where("state", "in", [TaskState.QUEUED, TaskState.RUNNING])
      .executeTakeFirstOrThrow();
    if (Number(active.n) > 0) {
      throw new StoreError(
        StoreErrorCode.CONFLICT,
        `pool '${name}' has ${active.n} queued or running task instance(s); wait for them to finish before deleting it`,
      );
    }
    await trx.deleteFrom("pool").where("name", "=", name).execute();
  });
}
