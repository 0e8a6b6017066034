import { createInterface } from "node:readline/promises";
import { SwitchyardError } from "../common/errors.js";

/**
 * Asks before a destructive command goes ahead, unless `--yes` was given. Without a terminal to
 * ask on (a script, CI) it refuses rather than guess.
 */
export async function confirmOrRefuse(question: string, opts: { yes: boolean; what: string }): Promise<boolean> {
  if (opts.yes) return true;
  if (!process.stdin.isTTY) {
    throw new SwitchyardError("CLI_CONFIRMATION_REQUIRED", `refusing to ${opts.what} without confirmation: stdin is not a terminal; pass --yes to go ahead`);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
