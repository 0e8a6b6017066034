import type { Store } from "../store/connect.js";

/**
 * How the scheduler sleeps: until something happens (an executor event, a commit by another
 * process, a timer it set), never for a fixed period while there is work.
 */
export class Waker {
  private pending = false;
  private release: (() => void) | null = null;

  /** Whether a wake came since the last wait: the next wait returns at once. */
  get woken(): boolean {
    return this.pending;
  }

  wake = (): void => {
    this.pending = true;
    this.release?.();
  };

  /** Returns at once if woken since the last wait; otherwise after `ms` or the next wake. */
  async wait(ms: number): Promise<void> {
    if (this.pending || ms <= 0) {
      // Even a zero wait yields a full event-loop turn: the executor reports it is waiting for arrive as I/O callbacks.
      await new Promise((resolve) => setImmediate(resolve));
    } else {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.release = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.release = null;
    this.pending = false;
  }
}

/** Wakes on commits made by other processes (SQLite: the WAL file; PostgreSQL: LISTEN/NOTIFY). */
export function watchExternalCommits(store: Store, onCommit: () => void): () => void {
  return store.watchCommits(onCommit);
}
