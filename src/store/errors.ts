import { SwitchyardError } from "../common/errors.js";

export const StoreErrorCode = {
  BAD_URL: "STORE_BAD_URL",
  UNREACHABLE: "STORE_UNREACHABLE",
  DATABASE_MISSING: "STORE_DATABASE_MISSING",
  LOGIN_REFUSED: "STORE_LOGIN_REFUSED",
  NOT_INITIALIZED: "STORE_NOT_INITIALIZED",
  NEEDS_MIGRATION: "STORE_NEEDS_MIGRATION",
  SCHEMA_TOO_NEW: "STORE_SCHEMA_TOO_NEW",
  NOT_FOUND: "STORE_NOT_FOUND",
  CONFLICT: "STORE_CONFLICT",
  INVALID: "STORE_INVALID",
  /** The SQLite file was deleted or replaced under an open connection: going on would write into the old, unlinked file. */
  FILE_REPLACED: "STORE_FILE_REPLACED",
} as const;
export type StoreErrorCode = (typeof StoreErrorCode)[keyof typeof StoreErrorCode];

export class StoreError extends SwitchyardError {
  declare readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
