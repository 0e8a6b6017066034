import type { Kysely } from "kysely";
import type { Database, DagRunRow } from "../../schema.js";
import { runStatement, statementText } from "../../sql-text.js";

/** Those of the runs `ids` that are in one of `states`. Asked every pass a try ended in: the text is cached per list length (sql-text.ts). */
export async function runsByIdInStates(db: Kysely<Database>, ids: readonly number[], states: readonly string[]): Promise<DagRunRow[]> {
  if (ids.length === 0 || states.length === 0) return [];
  const text = statementText(db, `runs-by-id-in-states|${ids.length}|${states.length}`, () => {
    const list = (n: number) => Array.from({ length: n }, () => "?").join(", ");
    return `select * from dag_run where id in (${list(ids.length)}) and state in (${list(states.length)})`;
  });
  const { rows } = await runStatement<DagRunRow, Database>(db, text, [...ids, ...states]);
  return rows;
}
