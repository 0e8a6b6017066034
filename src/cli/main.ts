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
    // Our own errors (from this copy of the code or another) carry a literal code and a message written for the user.
    const code = (err as { code?: unknown }).code;
    if (err instanceof SwitchyardError || (typeof code === "string" && /^[A-Z][A-Z0-9_]+$/.test(code))) {
      process.stderr.write(`error: ${err.message}\n`);
    } else {
      process.stderr.write(`error: ${err.stack ?? err.message}\n`);
    }
    process.exitCode = 1;
  }
}

// `switchyard dags list | head` closes our stdout early: that is the reader's choice, not a failure.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

await main();
