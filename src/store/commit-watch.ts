import fs from "node:fs";
import path from "node:path";

/**
 * Noticing commits made by *other* processes (a trigger or `tasks run` from the CLI, another
 * scheduler), so a scheduler can wake on them instead of polling tables.
 */
export type CommitWatcher = (onCommit: () => void) => () => void;

/** SQLite: the WAL file changes on every commit, and data_version tells another connection's commit from our own. */
export function sqliteCommitWatcher(file: string, dataVersion: () => number): CommitWatcher {
  return (onCommit) => {
    if (file === ":memory:") return () => undefined;
    const base = path.basename(file);
    let seen = dataVersion();
    let watcher: fs.FSWatcher;
    try {
      watcher = fs.watch(path.dirname(file), (_event, name) => {
        if (name !== `${base}-wal` && name !== base) return;
        const v = dataVersion();
        if (v !== seen) {
          seen = v;
          onCommit();
        }
      });
    } catch {
      return () => undefined; // no inotify: the caller's idle interval still bounds the delay
    }
    watcher.on("error", () => undefined);
    return () => watcher.close();
  };
}
