import type { Kysely } from "kysely";
import { TaskState } from "../../../common/states.js";
import type { Database, PoolRow } from "../../schema.js";
import { listPools } from "./list-pools.js";

export interface PoolUsage extends PoolRow {
  /** Slots taken by queued and running TIs. */
  occupied: number;
  queued: number;
  running: number;
  /** slots - occupied, or Infinity for an unlimited pool (slots = -1). */
  open: number;
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
