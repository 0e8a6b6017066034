/**
 * The scheduler's lease defaults scaled down for tests: a 3 s lease (half the 6 s threshold),
 * zombies after 2 s of silence, sweeps every 0.5 s.
 */
export const SCALED_DOWN_LEASE = `[scheduler]
job_heartbeat_sec = 0.5
scheduler_health_check_threshold = 6
task_heartbeat_timeout = 2
zombie_detection_interval = 0.5
orphaned_tasks_check_interval = 0.5
`;
