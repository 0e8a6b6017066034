import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { dumpYaml } from "@kubernetes/client-node";

/**
 * A kubeconfig for the fake: plain HTTP to 127.0.0.1, and a user with a dummy token because some
 * clients refuse a context without credentials (the fake checks none). @kubernetes/client-node 1.x
 * refuses an http:// server unless the cluster says insecure-skip-tls-verify (kubectl ignores it).
 */
export async function writeKubeconfig(file: string, server: string, opts: { context?: string; namespace?: string } = {}): Promise<void> {
  const name = opts.context ?? "fake-kube";
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server, "insecure-skip-tls-verify": true } }],
    users: [{ name, user: { token: "fake-kube-token" } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: opts.namespace ?? "default" } }],
    "current-context": name,
    preferences: {},
  };
  await mkdir(dirname(file), { recursive: true });
  // Written whole then renamed, so a client polling for the file never reads half of it.
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, dumpYaml(config), { mode: 0o600 });
  await rename(tmp, file);
}
