import { execFile } from "node:child_process";
import { CLI } from "./paths.js";

export interface CliHome {
  readonly env: NodeJS.ProcessEnv;
  readonly dir: string;
}

/** Run `switchyard <args>` in a home, as a user would; rejects with its stderr on a non-zero exit. */
export function runCli(home: CliHome, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, ...args], { env: home.env, cwd: home.dir, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`switchyard ${args.join(" ")} failed: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}
