import { pino, type Logger } from "pino";

export type { Logger };

const LEVEL_NAMES: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };

/**
 * pino underneath (structured, cheap); a terminal gets one readable line per record unless
 * SWITCHYARD_LOG_FORMAT=json asks for the raw JSON a log shipper wants.
 */
export function createLogger(name: string, level: string = "info", stream: NodeJS.WritableStream = process.stderr): Logger {
  if (process.env.SWITCHYARD_LOG_FORMAT === "json") return pino({ name, level }, stream);
  return pino(
    { name, level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
    {
      write(line: string) {
        const rec = JSON.parse(line) as Record<string, unknown>;
        const { time, level: lvl, msg, name: n, ...rest } = rec;
        const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : "";
        stream.write(`${String(time)} ${(LEVEL_NAMES[Number(lvl)] ?? lvl)!.toString().padEnd(5)} ${String(n)}: ${String(msg)}${extra}\n`);
      },
    },
  );
}
