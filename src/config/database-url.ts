import { isAbsolute, resolve } from "node:path";

/** The accepted `[database] url` forms, for messages and docs. */
export const DATABASE_URL_FORMS =
  "sqlite:///relative/path.db (resolved against $SWITCHYARD_HOME), sqlite:////absolute/path.db, " +
  "sqlite://:memory:, or postgresql://user:password@host:5432/dbname (postgres:// also works)";

export const SQLITE_MEMORY_URL = "sqlite://:memory:";

export type DatabaseUrlResult = { readonly ok: true; readonly url: string } | { readonly ok: false; readonly reason: string };

/**
 * Check a database URL and make a SQLite file path absolute (`sqlite:///x.db` → `sqlite:////<home>/x.db`).
 * PostgreSQL URLs pass through unchanged.
 */
export function resolveDatabaseUrl(url: string, home: string): DatabaseUrlResult {
  if (url === SQLITE_MEMORY_URL) return { ok: true, url };
  if (/^postgres(ql)?:\/\//i.test(url)) return postgresUrlProblem(url) ?? { ok: true, url };
  const sqlitePrefix = "sqlite:///";
  if (url.startsWith(sqlitePrefix)) {
    const file = url.slice(sqlitePrefix.length);
    if (file === "" || file === "/") return { ok: false, reason: `names no database file; use one of: ${DATABASE_URL_FORMS}` };
    if (file === ":memory:") return { ok: false, reason: `an in-memory database is written ${SQLITE_MEMORY_URL}` };
    return { ok: true, url: isAbsolute(file) ? url : `sqlite:///${resolve(home, file)}` };
  }
  if (/^sqlite:/i.test(url)) return { ok: false, reason: `not a valid SQLite URL; use one of: ${DATABASE_URL_FORMS}` };
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1];
  const what = scheme === undefined ? "not a database URL" : `unsupported database "${scheme}"`;
  return { ok: false, reason: `${what}; use one of: ${DATABASE_URL_FORMS}` };
}

/** The absolute file of a `sqlite:///` URL as compiled by loadConfig, or null (memory, PostgreSQL). */
export function sqliteFileOf(url: string): string | null {
  return url.startsWith("sqlite:///") ? url.slice("sqlite:///".length) : null;
}

/** Checks what the driver would otherwise fail on late or vaguely: a host, a port in range, a database name. */
function postgresUrlProblem(url: string): DatabaseUrlResult | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return {
      ok: false,
      reason:
        "not a valid PostgreSQL URL (is the port a number up to 65535, and are special characters in the password percent-encoded?); " +
        "use postgresql://user:password@host:5432/dbname",
    };
  }
  const socketHost = parsed.searchParams.get("host");
  if (parsed.hostname === "" && !socketHost) {
    return { ok: false, reason: "names no host; use postgresql://user:password@host:5432/dbname" };
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  if (database === "" || database.includes("/")) {
    return { ok: false, reason: `names no database (the path after the host); use postgresql://user:password@host:5432/dbname` };
  }
  return null;
}

/** PostgreSQL schema names Switchyard accepts: plain lower-case identifiers (never needing quotes), not the reserved pg_ prefix. */
export const SCHEMA_NAME_PATTERN = /^(?!pg_)[a-z_][a-z0-9_]{0,62}$/;
