import type { TaskEvent } from "../common/workload.js";

interface Pending {
  readonly event: TaskEvent;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Collects the events reported during one turn of the event loop and hands them to `flush` as
 * one batch (at setImmediate, after every callback of this turn). A no-op `fn` try reports
 * `running` and `success` in the same turn, and tries finishing together share a write: the
 * runner makes one IPC write per turn instead of one per event. Each `send` resolves (or
 * rejects) when its batch has been written.
 */
export class EventOutbox {
  #pending: Pending[] = [];
  #scheduled = false;

  constructor(private readonly flush: (events: TaskEvent[]) => Promise<void>) {}

  send(event: TaskEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ event, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flushNow());
      }
    });
  }

  #flushNow(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    let written: Promise<void>;
    try {
      written = this.flush(batch.map((p) => p.event));
    } catch (error) {
      written = Promise.reject(error);
    }
    written.then(
      () => batch.forEach((p) => p.resolve()),
      (error: unknown) => batch.forEach((p) => p.reject(error)),
    );
  }
}
