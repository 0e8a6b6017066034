// ISO-8601 only: `new Date()` also accepts "01/02/2026" and reads zone-less times as local time,
// which would make a DAG's start date depend on the machine that parses it.
const ISO_DATE = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i;

export const DATE_FORMS = "an ISO-8601 date or date-time such as 2026-01-01 or 2026-01-01T06:00:00Z (no offset means UTC), or a Date";

/** A DAG date (`startDate`, `endDate`) as a Date, or null when it is not valid. Zone-less values are UTC, as in Airflow. */
export function parseDagDate(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : new Date(value.getTime());
  if (typeof value !== "string") return null;
  const match = ISO_DATE.exec(value.trim());
  if (match === null) return null;
  const [, day, time, zone] = match;
  const text = time === undefined ? `${day}T00:00:00Z` : `${day}T${time}${zone ?? "Z"}`;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return null;
  // Reject dates that Date silently rolls over, such as 2026-02-30.
  if (zone === undefined && date.toISOString().slice(0, 10) !== day) return null;
  return date;
}
