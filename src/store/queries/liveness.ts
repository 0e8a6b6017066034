// The statements that tell live tries from lost ones (heartbeats, zombies, orphans, stuck queued TIs), one per module in liveness/.
export { orphanedTaskInstances } from "./liveness/orphaned-task-instances.js";
export { refreshTiHeartbeats } from "./liveness/refresh-ti-heartbeats.js";
export { silentRunningTis } from "./liveness/silent-running-tis.js";
export { stuckQueuedTis } from "./liveness/stuck-queued-tis.js";
