/** Time a bash process group gets between SIGTERM and SIGKILL when a try is stopped. */
export const KILL_GRACE_MS = 5_000;

/**
 * Exit code of a runner that stopped its tries because its executor's lease ran out (the
 * scheduler stopped renewing it). The executor treats those tries as revoked, not failed.
 */
export const LEASE_EXPIRED_EXIT_CODE = 75;

/** How often a runner checks its lease. */
export const LEASE_CHECK_MS = 100;

/** How often a runner tells its executor that its event loop turns (see the `heartbeat` message). */
export const RUNNER_HEARTBEAT_MS = 500;

/** How often a runner's watchdog thread checks that its parent (the scheduler, or `tasks run`) is alive. */
export const PARENT_CHECK_MS = 200;

/** Largest `fn` return value (serialized JSON, in bytes) reported back; larger ones are only noted in the log. */
export const MAX_RETURN_VALUE_BYTES = 64 * 1024;

/** setTimeout fires at once for delays over 2^31-1 ms (~24.8 days); longer timeouts are capped to it. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
