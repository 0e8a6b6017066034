export const JobState = { RUNNING: "running", SUCCESS: "success", FAILED: "failed" } as const;
export type JobState = (typeof JobState)[keyof typeof JobState];
