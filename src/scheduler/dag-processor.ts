import fs from "node:fs";
import { errorLine } from "../common/errors.js";
import type { Logger } from "../common/logger.js";
import type { SwitchyardConfig } from "../config/types.js";
import type { DagBagResult } from "../dag/types.js";
import type { Store } from "../store/connect.js";
import { dagsInDatabaseAreCurrent, syncDagsFolder } from "./dag-sync.js";

export interface DagProcessorOptions {
  logger: Logger;
  /** Re-parse when a file in the DAG folder changes. @defaultValue true */
  watch?: boolean;
  /** Called after each parse round, whether it wrote a result (`null`: it failed, and is retried). */
  onParsed?: (result: DagBagResult | null) => void;
}

/** Editors write a file in several steps: parse once they are done. */
const WATCH_DEBOUNCE_MS = 300;
/** After a failed round (the database was unreachable): when to try again. */
const RETRY_MS = 2_000;

/**
 * Parses the DAG folder beside the scheduling loop (Airflow's DAG processor) and writes the result
 * to the metadata database. All parsing happens in child processes (parseDagBagIsolated), so this
 * process's event loop — the scheduler's heartbeat and passes — never waits on a DAG file: only
 * the small write of the result shares it. One round at a time; changes during a round ask for
 * another.
 */
export class DagProcessor {
  private pending = false;
  private round: Promise<void> | null = null;
  private stopped = false;
  private readonly abort = new AbortController();
  private unwatch: () => void = () => undefined;
  private retryTimer: NodeJS.Timeout | null = null;
  private firstRoundEnded: () => void = () => undefined;
  /** Resolves when the first parse round has ended (written, failed, or stopped). */
  readonly firstRound: Promise<void> = new Promise((resolve) => (this.firstRoundEnded = resolve));
  /**
   * Resolves once the database holds what the DAG files say now: when the first round has ended, or
   * sooner when the files are unchanged since the last parse written to it (a scheduler starting on
   * a parsed folder then schedules at once, while its first round runs beside).
   */
  readonly current: Promise<void>;
  private readonly markCurrent: () => void;

  constructor(
    private readonly store: Store,
    private readonly config: SwitchyardConfig,
    private readonly options: DagProcessorOptions,
  ) {
    let markCurrent: () => void = () => undefined;
    this.current = Promise.race([this.firstRound, new Promise<void>((resolve) => (markCurrent = resolve))]);
    this.markCurrent = markCurrent;
  }

  /** Parses at once, then on every change in the DAG folder until stop(). */
  start(): void {
    if (this.options.watch !== false) this.unwatch = this.watchFolder();
    // Checked after the watch has begun: a change from here on is parsed by a later round as well.
    void dagsInDatabaseAreCurrent(this.store, this.config).then(
      (current) => current && this.markCurrent(),
      () => undefined, // then the first round decides
    );
    this.requestParse();
  }

  /** A parse is running or asked for: what the DAG files say may still change. */
  get busy(): boolean {
    return this.pending || this.round !== null;
  }

  requestParse(): void {
    if (this.stopped) return;
    this.pending = true;
    this.round ??= this.drain();
  }

  /** Stops watching and kills a parse in progress (its files are parsed again next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending = false;
    this.unwatch();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.abort.abort(new Error("the DAG processor was stopped"));
    await this.round;
  }

  private async drain(): Promise<void> {
    const log = this.options.logger;
    while (this.pending && !this.stopped) {
      this.pending = false;
      let result: DagBagResult | null = null;
      try {
        result = await syncDagsFolder(this.store, this.config, { signal: this.abort.signal });
        log.info(`parsed ${result.files.length} DAG file(s): ${result.dags.length} DAG(s), ${result.errors.length} import error(s)`);
        for (const e of result.errors) log.warn(`import error in ${e.filename}: ${e.message.split("\n")[0]}`);
      } catch (err) {
        if (this.stopped) break;
        log.error(`DAG parsing failed, trying again in ${RETRY_MS / 1000}s: ${errorLine(err)}`);
        this.retryTimer = setTimeout(() => this.requestParse(), RETRY_MS);
      }
      this.options.onParsed?.(result);
      this.firstRoundEnded();
    }
    this.round = null;
    this.firstRoundEnded(); // stopped before the first round ended
  }

  private watchFolder(): () => void {
    const folder = this.config.core.dagsFolder;
    if (!fs.existsSync(folder)) return () => undefined;
    let timer: NodeJS.Timeout | null = null;
    try {
      const watcher = fs.watch(folder, { recursive: true }, () => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => this.requestParse(), WATCH_DEBOUNCE_MS);
      });
      watcher.on("error", () => undefined);
      return () => {
        if (timer) clearTimeout(timer);
        watcher.close();
      };
    } catch {
      return () => undefined;
    }
  }
}
