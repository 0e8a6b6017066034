import { TaskExitError } from "./errors.js";
import { currentTryId } from "./try-context.js";

/**
 * Make `process.exit` called from a try's code throw a TaskExitError instead of ending the runner:
 * a warm runner holds the tries of other DAGs, which must not die for this one's exit. The fn
 * that called it fails with that error (if it lets it through); the runner's own exits (shutdown,
 * lost parent, lapsed lease) are outside any try and go through.
 */
export function guardProcessExit(): void {
  const exit = process.exit.bind(process);
  process.exit = ((code?: number | string | null) => {
    if (currentTryId() !== undefined) throw new TaskExitError(String(code ?? 0));
    return exit(code);
  }) as typeof process.exit;
}
