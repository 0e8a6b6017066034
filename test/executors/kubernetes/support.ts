/**
 * What the KubernetesExecutor's tests share: a fake API server (test/support/fake-kube) whose pod
 * processes find `switchyard` on PATH (a shim running this checkout's dist/cli/main.js) and a
 * SWITCHYARD_HOME of their own whose switchyard.toml has no database that works, as a pod's image would.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dumpYaml, loadYaml } from "@kubernetes/client-node";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { startFakeKube, type FakeKube, type FakeKubeOptions } from "../../support/fake-kube/index.js";
import { CLI } from "../../support/home.js";

/** The image the tests' pods name: the fake runs any image; faults pick pods by image. */
export const TEST_IMAGE = "switchyard:test";

/** A pod home's switchyard.toml: a metadata database a pod must never need. */
export const BOGUS_DATABASE = `[database]\nurl = "postgresql://nobody:wrong@127.0.0.1:1/nowhere"\n`;

export interface KubeEnv {
  readonly fake: FakeKube;
  readonly kubeconfig: string;
  /** SWITCHYARD_HOME of the pods. */
  readonly podHome: string;
  readonly dir: string;
  cleanup(): Promise<void>;
}

/**
 * A fake API server for one test (or suite). `podToml` is the pods' switchyard.toml (default: DAGs
 * and logs under "/", as test/executors/helpers.ts' workloads name them); `podDags` are written to
 * the pods' dags folder when it is theirs.
 */
export async function startKubeEnv(opts: { podToml?: string; podDags?: Record<string, string>; fake?: FakeKubeOptions } = {}): Promise<KubeEnv> {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-k8s-"));
  const bin = join(dir, "bin");
  const podHome = join(dir, "pod-home");
  mkdirSync(bin);
  mkdirSync(join(podHome, "dags"), { recursive: true });
  const shim = join(bin, "switchyard");
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(shim, 0o755);
  writeFileSync(join(podHome, "switchyard.toml"), opts.podToml ?? `[core]\ndags_folder = "/"\n[logging]\nbase_log_folder = "/"\n${BOGUS_DATABASE}`);
  for (const [name, text] of Object.entries(opts.podDags ?? {})) writeFileSync(join(podHome, "dags", name), text);
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env["PATH"] ?? ""}`, SWITCHYARD_HOME: podHome };
  for (const k of Object.keys(env)) if (k.startsWith("SWITCHYARD__")) delete env[k];
  delete env["NODE_OPTIONS"]; // the CLI in a pod runs as built, as in an image
  const fake = await startFakeKube({ env, cwd: podHome, ...opts.fake });
  const kubeconfig = join(dir, "kubeconfig");
  await fake.writeKubeconfig(kubeconfig);
  allowPlainHttp(kubeconfig);
  return {
    fake,
    kubeconfig,
    podHome,
    dir,
    async cleanup() {
      await fake.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * client-node 1.4 refuses an http:// server unless the cluster says insecure-skip-tls-verify
 * ("HTTP protocol is not allowed when skipTLSVerify is not set"); the fake serves plain HTTP.
 */
export function allowPlainHttp(file: string): void {
  const config = loadYaml<{ clusters: Array<{ cluster: Record<string, unknown> }> }>(readFileSync(file, "utf8"));
  for (const c of config.clusters) c.cluster["insecure-skip-tls-verify"] = true;
  writeFileSync(file, dumpYaml(config), { mode: 0o600 });
}

/** startKubeEnv, stopped when the test ends. */
export async function kubeEnv(t: TestContext, opts: Parameters<typeof startKubeEnv>[0] = {}): Promise<KubeEnv> {
  const env = await startKubeEnv(opts);
  t.after(() => env.cleanup());
  return env;
}

/** The `[executors.<name>]` options of a KubernetesExecutor on `env`. */
export function kubeOptions(env: KubeEnv, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { kubeconfig: env.kubeconfig, image: TEST_IMAGE, ...extra };
}

/** The same as TOML lines, for a scheduler's switchyard.toml. */
export function kubeSection(name: string, env: KubeEnv, extra: Record<string, unknown> = {}): string {
  const lines = Object.entries(kubeOptions(env, extra)).map(([k, v]) => `${k} = ${JSON.stringify(v)}`);
  return `[executors.${name}]\n${lines.join("\n")}\n`;
}
