import type { Kysely } from "kysely";
import { TaskState } from "../../../common/states.js";
import { StoreError, StoreErrorCode } from "../../errors.js";
import type { Database } from "../../schema.js";
import { DEFAULT_POOL } from "./default-pool.js";
import { listPools } from "./list-pools.js";

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
