import fs from "node:fs";

// Task logs hold whatever tasks print and the database every conf and result: other users of the
// host must not read them. Folders that already exist keep their mode, so an operator who wants a
// group to read the logs creates the folder with that mode (and a default ACL) beforehand.

/** Mode of the log files and the SQLite database Switchyard creates. */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode of the folders Switchyard creates for them. */
export const PRIVATE_DIR_MODE = 0o700;

/** `mkdir -p` whose new folders are private. */
export function mkdirPrivate(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}
