import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh $SWITCHYARD_HOME, with switchyard.toml holding `toml` when given; removed after the file's tests. */
export function makeHome(toml?: string): string {
  const home = mkdtempSync(join(tmpdir(), "switchyard-config-"));
  made.push(home);
  mkdirSync(home, { recursive: true });
  if (toml !== undefined) writeFileSync(join(home, "switchyard.toml"), toml);
  return home;
}
