/**
 * Process groups of the bash tries started by this process. A runner whose parent dies must kill
 * them all at once, synchronously, before it exits: this registry is what it walks.
 */
const groups = new Set<number>();

export function trackProcessGroup(pgid: number): void {
  groups.add(pgid);
}

export function untrackProcessGroup(pgid: number): void {
  groups.delete(pgid);
}

/** Signal a whole process group; false when it no longer exists. */
export function signalProcessGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

/** SIGKILL every tracked group now (used when the runner must exit immediately). */
export function killAllProcessGroups(): void {
  for (const pgid of groups) {
    try {
      signalProcessGroup(pgid, "SIGKILL");
    } catch {
      // EPERM and the like: nothing more we can do on the way out.
    }
  }
  groups.clear();
}
