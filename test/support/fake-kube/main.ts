/**
 * `npm run fake-kube -- --port N --kubeconfig FILE`: serves the fake API server until SIGTERM or
 * SIGINT, so real clients (kubectl) can be pointed at it.
 */
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { Command, CommanderError, InvalidArgumentError } from "commander";

function directory(raw: string): string {
  const dir = resolve(raw);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new InvalidArgumentError(`--cwd must be an existing directory, got ${JSON.stringify(raw)}.`);
  return dir;
}

function integer(name: string, min: number, max: number) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}.`);
    return value;
  };
}

const USAGE_ERROR = 2;

const program = new Command("fake-kube")
  .description("A fake Kubernetes API server (core/v1 pods run as local processes), for tests and for pointing kubectl at")
  .requiredOption("--kubeconfig <file>", "kubeconfig file to write (cluster, dummy-token user, context)")
  .option("--port <n>", "port on 127.0.0.1; 0 picks a free one", integer("--port", 0, 65535), 0)
  .option("--namespace <name...>", "namespaces that exist", ["default"])
  .option("--start-delay-ms <ms>", "time a pod spends ContainerCreating before its process starts", integer("--start-delay-ms", 0, 3_600_000), 20)
  .option("--cwd <dir>", "working directory of pod processes", directory, process.cwd())
  .showHelpAfterError()
  .exitOverride()
  .action(async (opts: { kubeconfig: string; port: number; namespace: string[]; startDelayMs: number; cwd: string }) => {
    const { startFakeKube } = await import("./server.js");
    const kube = await startFakeKube({ port: opts.port, namespaces: opts.namespace, startDelayMs: opts.startDelayMs, cwd: opts.cwd });
    const kubeconfig = resolve(opts.kubeconfig);
    await kube.writeKubeconfig(kubeconfig);
    process.stdout.write(`fake-kube: serving ${kube.url}\nfake-kube: kubeconfig ${kubeconfig}\n`);
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      process.stdout.write(`fake-kube: ${signal}, stopping\n`);
      kube.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`fake-kube: stop failed: ${String(err)}\n`);
          process.exit(1);
        },
      );
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : USAGE_ERROR);
  process.stderr.write(`fake-kube: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
