export const RunType = { MANUAL: "manual", SCHEDULED: "scheduled", BACKFILL: "backfill" } as const;
export type RunType = (typeof RunType)[keyof typeof RunType];
