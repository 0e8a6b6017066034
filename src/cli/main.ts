#!/usr/bin/env node
import fs from "node:fs";
import { CommanderError } from "commander";
import { SwitchyardError, coerceError } from "../common/errors.js";
import { buildProgram } from "./program.js";

const pkg = JSON.parse(fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

/** Every expected failure prints one `error:` line (the message says what is valid) and exits 1; a bug prints its stack. */
async function main(): Promise<void> {
  const program = buildProgram(pkg.version);
  program.exitOverride();
  try {
    await program.parseAsync(process.argv);
  } catch (thrown) {
    if (thrown instanceof CommanderError) {
      process.exitCode = thrown.exitCode;
      return;
    }
    const err = coerceError(thrown);
    if (err instanceof SwitchyardError || (err as { code?: unknown }).code !== undefined && err.name !== "Error") {
      process.stderr.write(`error: ${err.message}\n`);
    } else {
      process.stderr.write(`error: ${err.stack ?? err.message}\n`);
    }
    process.exitCode = 1;
  }
}

await main();
