/**
 * Entry point of the child process that `parseDagBagIsolated` forks: parses the files it is sent and reports
 * each result over IPC, then exits even if a DAG file left timers or sockets open.
 */
import { coerceError } from "../common/errors.js";
import { parseExecutorNames, type ExecutorName } from "../config/executor-names.js";
import { isParseRequest, type ParseReport, type ParseRequest } from "./dagbag-protocol.js";
import { parseDagFile } from "./dagbag.js";
import { localImportGraph, registerDagLoader } from "./loader.js";
import { toStoredFileResult } from "./stored-form.js";

function send(report: ParseReport): Promise<void> {
  // Waiting for the send to complete means "importing <file>" reaches the parent even when that file then
  // blocks the event loop forever.
  return new Promise((resolve, reject) => process.send!(report, undefined, {}, (error) => (error ? reject(error) : resolve())));
}

async function parse(request: ParseRequest): Promise<void> {
  let executorNames: ExecutorName[];
  try {
    executorNames = parseExecutorNames(request.executorEntries, request.home);
  } catch (thrown) {
    await send({ type: "fatal", message: `the [core] executor setting is invalid: ${coerceError(thrown).message}` });
    return;
  }
  await registerDagLoader({ recordLocalImports: true });
  const imports = localImportGraph();
  for (const file of request.files) {
    await send({ type: "importing", file });
    const ctx = { executorNames, ...(request.defaultQueue !== undefined ? { defaultQueue: request.defaultQueue } : {}) };
    const result = await parseDagFile(file, ctx);
    await send({ type: "file", result: toStoredFileResult(result), localImports: imports?.importsOf(file) ?? null });
  }
  await send({ type: "done" });
}

if (process.send === undefined) {
  process.stderr.write("dagbag-worker is started by parseDagBagIsolated() over IPC, not run directly\n");
  process.exit(2);
}
process.once("message", (message: unknown) => {
  const run = isParseRequest(message) ? parse(message) : send({ type: "fatal", message: "the DAG parsing process got an unexpected request" });
  run.then(
    () => process.exit(0),
    (thrown: unknown) => {
      process.stderr.write(`${coerceError(thrown).stack ?? String(thrown)}\n`);
      process.exit(1);
    },
  );
});
// An orphan (the parent died) has no one to report to and may be stuck in a DAG file: leave.
process.once("disconnect", () => process.exit(1));
void send({ type: "ready" });
