/** Same alphabet and length as Airflow's KEY_REGEX: ids end up in run ids, log paths and URLs. */
const ID_PATTERN = /^[A-Za-z0-9_.-]{1,250}$/;

/** A problem with an id, or null when it is valid. */
export function idProblem(kind: "DAG id" | "task id", id: unknown): string | null {
  if (typeof id !== "string") return `${kind} must be a string, got ${describeValue(id)}`;
  if (ID_PATTERN.test(id)) return null;
  const why = id.length === 0 ? "it is empty" : id.length > 250 ? `it is ${id.length} characters long` : "it contains other characters";
  return `${kind} '${id}' is invalid (${why}); use 1 to 250 characters from A-Z a-z 0-9 _ . -`;
}

/** A short description of a value for error messages: its type, and the value when it is small. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value instanceof Date) return "a Date";
  return `a ${typeof value}`;
}
