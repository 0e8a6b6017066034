// One `bash -c true`, the unit of work every row of the floors and of the peers benchmark runs:
// shared by the TypeScript floors and the plain-Node peer workers (BullMQ, graphile-worker), so
// that all of them start the very same process the same way.
import { spawn } from "node:child_process";

/** Epoch milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export function epochMs() {
  return performance.timeOrigin + performance.now();
}

/** Spawns `bash -c true`; resolves at its exit with when it was spawned and exited (epochMs). */
export function bashTrue() {
  return new Promise((resolve, reject) => {
    const start = epochMs();
    const child = spawn("bash", ["-c", "true"], { stdio: "ignore" });
    child.once("error", reject);
    child.once("exit", () => resolve({ start, end: epochMs() }));
  });
}
