import pg from "pg";
import type { CommitWatcher } from "./commit-watch.js";

/** The channel the commit triggers of migration 0001 notify on; the payload is the schema written to. */
export const COMMIT_CHANNEL = "switchyard_commit";

/**
 * PostgreSQL: LISTEN on a connection of its own. Notifications come from statement triggers on
 * the tables whose changes the scheduler acts on; those of other schemas, and those sent by our
 * own pool's connections (`ownBackends`), are ignored. A lost listening connection is reopened
 * with backoff, then reported as a commit (one may have been missed meanwhile).
 */
export function postgresCommitWatcher(
  connectionString: string,
  schema: string,
  ownBackends: ReadonlySet<number>,
  track: (stop: () => Promise<void>) => () => void,
): CommitWatcher {
  return (onCommit) => {
    let stopped = false;
    let client: pg.Client | null = null;
    let retry: NodeJS.Timeout | null = null;
    let delay = 250;
    const listen = async (reconnected: boolean): Promise<void> => {
      const c = new pg.Client({ connectionString, application_name: "switchyard-listen", connectionTimeoutMillis: 10_000 });
      client = c;
      const again = () => {
        if (stopped || client !== c) return;
        client = null;
        c.end().catch(() => undefined);
        retry = setTimeout(() => void listen(true), delay);
        delay = Math.min(delay * 2, 10_000);
      };
      c.on("error", again);
      c.on("end", again);
      c.on("notification", (msg) => {
        if (msg.channel === COMMIT_CHANNEL && msg.payload === schema && !ownBackends.has(msg.processId)) onCommit();
      });
      try {
        await c.connect();
        await c.query(`listen ${COMMIT_CHANNEL}`);
      } catch {
        again();
        return;
      }
      if (stopped) {
        await c.end().catch(() => undefined);
        return;
      }
      delay = 250;
      if (reconnected) onCommit();
    };
    void listen(false);
    const stop = async () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    };
    const untrack = track(stop);
    return () => {
      untrack();
      void stop();
    };
  };
}
