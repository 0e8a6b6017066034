import { Errors } from "./status.js";

/** One line of a container log, with the time the kubelet's log driver stamped on it. */
interface LogLine {
  time: Date;
  text: string; // including its "\n", except a last line the process did not end
}

/** Query parameters of `pods/log` (core/v1 PodLogOptions). */
export interface LogQuery {
  follow: boolean;
  tailLines?: number;
  limitBytes?: number;
  timestamps: boolean;
  sinceSeconds?: number;
  sinceTime?: Date;
}

/** RFC 3339 with nanoseconds, as the kubelet prefixes lines with timestamps=true. */
function rfc3339Nano(time: Date): string {
  return time.toISOString().replace(/\.(\d{3})Z$/, (_, ms: string) => (ms === "000" ? "Z" : `.${ms.replace(/0+$/, "")}Z`));
}

/** The stdout+stderr of one run of a container, line by line, with followers. */
export class ContainerLog {
  private readonly lines: LogLine[] = [];
  private partial = "";
  private ended = false;
  private readonly followers = new Set<(line: LogLine | null) => void>();

  write(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const parts = text.split("\n");
    this.partial = parts.pop()!;
    for (const part of parts) this.push({ time: new Date(), text: part + "\n" });
  }

  /** The process is gone: flush an unterminated last line and end followers. */
  end(): void {
    if (this.ended) return;
    if (this.partial !== "") this.push({ time: new Date(), text: this.partial });
    this.partial = "";
    this.ended = true;
    for (const f of [...this.followers]) f(null);
    this.followers.clear();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** The last lines of output, for FallbackToLogsOnError: at most 80 lines and 2048 bytes (kubelet's limits). */
  tail(maxLines = 80, maxBytes = 2048): string {
    const text = this.lines.slice(-maxLines).map((l) => l.text).join("") + this.partial;
    const bytes = Buffer.from(text);
    return bytes.length <= maxBytes ? text : bytes.subarray(bytes.length - maxBytes).toString();
  }

  /**
   * Writes the selected lines through `write`; with follow, keeps writing new lines until the
   * container ends or `cancel` is called. Resolves when done.
   */
  stream(query: LogQuery, write: (text: string) => void, onCancel: (cancel: () => void) => void): Promise<void> {
    const since = query.sinceSeconds !== undefined ? new Date(Date.now() - query.sinceSeconds * 1000) : query.sinceTime;
    let selected = since ? this.lines.filter((l) => l.time >= since) : [...this.lines];
    if (query.tailLines !== undefined) selected = query.tailLines === 0 ? [] : selected.slice(-query.tailLines);
    let budget = query.limitBytes ?? Infinity;
    const emit = (line: LogLine): boolean => {
      const text = query.timestamps ? `${rfc3339Nano(line.time)} ${line.text}` : line.text;
      const bytes = Buffer.from(text);
      if (bytes.length >= budget) {
        write(bytes.subarray(0, budget).toString());
        budget = 0;
        return false;
      }
      budget -= bytes.length;
      write(text);
      return true;
    };
    for (const line of selected) if (!emit(line)) return Promise.resolve();
    if (!query.follow || this.ended) return Promise.resolve();
    return new Promise((resolve) => {
      const follower = (line: LogLine | null): void => {
        if (line === null || !emit(line)) {
          this.followers.delete(follower);
          resolve();
        }
      };
      this.followers.add(follower);
      onCancel(() => {
        this.followers.delete(follower);
        resolve();
      });
    });
  }

  private push(line: LogLine): void {
    this.lines.push(line);
    for (const f of [...this.followers]) f(line);
  }
}

function intParam(params: URLSearchParams, name: string, min: number): number | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw Errors.badRequest(`${name}: invalid value ${JSON.stringify(raw)}: must be an integer >= ${min}`);
  return value;
}

function boolParam(params: URLSearchParams, name: string): boolean {
  const raw = params.get(name);
  if (raw === null || raw === "" || raw === "false" || raw === "0") return false;
  if (raw === "true" || raw === "1") return true;
  throw Errors.badRequest(`${name}: invalid value ${JSON.stringify(raw)}: must be true or false`);
}

export function parseLogQuery(params: URLSearchParams): LogQuery {
  const query: LogQuery = { follow: boolParam(params, "follow"), timestamps: boolParam(params, "timestamps") };
  const tailLines = intParam(params, "tailLines", 0);
  if (tailLines !== undefined) query.tailLines = tailLines;
  const limitBytes = intParam(params, "limitBytes", 1);
  if (limitBytes !== undefined) query.limitBytes = limitBytes;
  const sinceSeconds = intParam(params, "sinceSeconds", 1);
  if (sinceSeconds !== undefined) query.sinceSeconds = sinceSeconds;
  const sinceTime = params.get("sinceTime");
  if (sinceTime !== null) {
    const t = new Date(sinceTime);
    if (Number.isNaN(t.getTime())) throw Errors.badRequest(`sinceTime: invalid value ${JSON.stringify(sinceTime)}: must be an RFC 3339 time`);
    query.sinceTime = t;
  }
  if (query.sinceSeconds !== undefined && query.sinceTime !== undefined) throw Errors.badRequest("at most one of sinceTime or sinceSeconds may be specified");
  return query;
}

export { boolParam, intParam };
