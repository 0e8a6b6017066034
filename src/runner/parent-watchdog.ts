import { Worker } from "node:worker_threads";

/**
 * The watchdog's code: a worker thread has an event loop of its own, so it keeps running while a
 * task blocks the runner's (`while (true) {}` in an fn task), when neither the runner's IPC
 * 'disconnect' handler nor any of its timers can. CommonJS, evaluated: no module to resolve and
 * no loader to start in the thread.
 */
const WATCHDOG_SOURCE = `
const { workerData } = require("node:worker_threads");
setInterval(() => {
  if (process.ppid !== workerData.parent) process.kill(workerData.self, "SIGKILL");
}, workerData.pollMs);
`;

/**
 * Kill this process as soon as its parent is gone, whatever state its own event loop is in.
 * Linux re-parents an orphan (to PID 1 or a subreaper), so a changed `process.ppid` means the
 * parent exited, however it died (SIGKILL included) — what PR_SET_PDEATHSIG does in the kernel,
 * which Node cannot ask for without a native module. The bash tries of the killed process follow
 * it: each has a watcher of its own (see run-bash.ts).
 */
export function watchParent(pollMs: number): void {
  const worker = new Worker(WATCHDOG_SOURCE, {
    eval: true,
    workerData: { parent: process.ppid, self: process.pid, pollMs },
    execArgv: [],
  });
  worker.unref(); // the runner exits when its work is done, watchdog or not
}
