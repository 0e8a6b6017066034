import fs from "node:fs";
import os from "node:os";
import { loadAverage } from "./procfs.js";

/** One line describing the machine the figures come from. */
export function describeMachine(): string {
  let cpu = os.cpus()[0]?.model ?? "unknown CPU";
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync("/proc/cpuinfo", "utf8"));
    if (match) cpu = match[1]!.trim();
  } catch {
    // not Linux: os.cpus() it is
  }
  const ram = (os.totalmem() / 1024 ** 3).toFixed(1);
  return `${cpu}, ${os.availableParallelism()} cores, ${ram} GB RAM, Node ${process.version}, ${os.platform()} ${os.release()}; load average ${loadAverage()}`;
}
