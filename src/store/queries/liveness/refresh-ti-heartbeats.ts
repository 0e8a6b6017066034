import type { Kysely } from "kysely";
import type { TaskInstanceKey } from "../../../common/keys.js";
import { TaskState } from "../../../common/states.js";
import type { Database } from "../../schema.js";
import { runStatement, statementText, valuesRows } from "../../sql-text.js";

/** Tries per statement: well under SQLite's bound-parameter cap. */
const CHUNK = 200;

/**
 * Renews the heartbeat of tries that are known to be alive (their runner is connected, or is this
 * process): one statement per chunk of tries, its text cached per count (sql-text.ts), where it was
 * one statement built through Kysely per try on every heartbeat.
 */
export async function refreshTiHeartbeats(db: Kysely<Database>, keys: readonly TaskInstanceKey[], now: number): Promise<void> {
  for (let i = 0; i < keys.length; i += CHUNK) {
    const chunk = keys.slice(i, i + CHUNK);
    const text = statementText(
      db,
      `refresh-ti-heartbeats|${chunk.length}`,
      () => `update task_instance set last_heartbeat_at = ? where state in (?, ?)
        and (dag_id, run_id, task_id, map_index, try_number) in (${valuesRows(chunk.length, ["?", "?", "?", "?", "?"])})`,
    );
    const parameters: unknown[] = [now, TaskState.QUEUED, TaskState.RUNNING];
    for (const k of chunk) parameters.push(k.dagId, k.runId, k.taskId, k.mapIndex, k.tryNumber);
    await runStatement<never, Database>(db, text, parameters);
  }
}
