import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { test } from "node:test";
import { processAlive } from "../../src/common/process-alive.js";
import { phaseIs, pod, startCluster, waitForPod, type Cluster } from "./helpers.js";

const run = promisify(execFile);
const KUBECTL = "/usr/bin/kubectl";
const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");

function kubectlEnv(kubeconfig: string, dir: string): NodeJS.ProcessEnv {
  return { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, "kube-cache") };
}

function kubectl(c: Cluster, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(KUBECTL, args, { env: kubectlEnv(c.kubeconfig, c.dir), timeout: 30_000 });
}

/** Collects a child's stdout and resolves when it contains `needle`. */
function outputOf(child: ChildProcess): { text: () => string; waitFor: (needle: RegExp, timeoutMs?: number) => Promise<void> } {
  let text = "";
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    text += chunk;
    for (const w of [...waiters]) w();
  });
  return {
    text: () => text,
    waitFor: (needle, timeoutMs = 20_000) =>
      new Promise((ok, fail) => {
        const check = (): void => {
          if (!needle.test(text)) return;
          waiters.delete(check);
          clearTimeout(timer);
          ok();
        };
        const timer = setTimeout(() => fail(new Error(`${String(needle)} not seen within ${timeoutMs} ms; output: ${JSON.stringify(text)}`)), timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((ok) => {
    if (child.exitCode !== null || child.signalCode !== null) return ok({ code: child.exitCode, signal: child.signalCode });
    child.once("exit", (code, signal) => ok({ code, signal }));
  });
}

test("kubectl get pods (table and -o json), logs, logs -f and delete against the fake", async (t) => {
  const c = await startCluster(t);
  await c.api.createNamespacedPod({ namespace: "default", body: pod("hello", ["sh", "-c", "echo hello from the pod"]) });
  await waitForPod(c, "hello", phaseIs("Succeeded"));

  const table = await kubectl(c, "get", "pods");
  const [header, row] = table.stdout.trimEnd().split("\n");
  assert.match(header!, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
  assert.match(row!, /^hello\s+0\/1\s+Completed\s+0\s+\d+s$/);
  const wide = await kubectl(c, "get", "pods", "-o", "wide");
  assert.match(wide.stdout, /hello\s+0\/1\s+Completed\s+0\s+\d+s\s+127\.0\.0\.1\s+fake-node\s+<none>\s+<none>/);

  const json = JSON.parse((await kubectl(c, "get", "pods", "-o", "json")).stdout) as { kind: string; items: { metadata: { name: string }; status: { phase: string } }[] };
  assert.equal(json.kind, "List");
  assert.deepEqual(json.items.map((i) => [i.metadata.name, i.status.phase]), [["hello", "Succeeded"]]);

  assert.equal((await kubectl(c, "logs", "hello")).stdout, "hello from the pod\n");

  const gate = join(c.dir, "gate");
  await c.api.createNamespacedPod({ namespace: "default", body: pod("chatty", ["sh", "-c", `echo first; while [ ! -e ${gate} ]; do sleep 0.02; done; echo second`]) });
  await waitForPod(c, "chatty", phaseIs("Running"));
  const follow = spawn(KUBECTL, ["logs", "-f", "chatty"], { env: kubectlEnv(c.kubeconfig, c.dir) });
  const followed = outputOf(follow);
  await followed.waitFor(/first\n/);
  await writeFile(gate, "");
  assert.deepEqual(await exited(follow), { code: 0, signal: null }, "logs -f ends when the container ends");
  assert.equal(followed.text(), "first\nsecond\n");

  await c.api.createNamespacedPod({ namespace: "default", body: pod("doomed", ["sleep", "60"]) });
  await waitForPod(c, "doomed", phaseIs("Running"));
  const deleted = await kubectl(c, "delete", "pod", "doomed");
  assert.equal(deleted.stdout, 'pod "doomed" deleted\n');
  assert.deepEqual(
    c.kube.pods().map((p) => p.metadata?.name),
    ["chatty", "hello"],
    "kubectl delete returns once the pod is gone",
  );
  const missing = await kubectl(c, "get", "pod", "doomed").catch((err: { stderr: string; code: number }) => err);
  assert.match((missing as { stderr: string }).stderr, /pods "doomed" not found/);
});

test("kubectl get pods -w sees a new pod appear and its phase change", async (t) => {
  const c = await startCluster(t);
  await c.api.createNamespacedPod({ namespace: "default", body: pod("first", ["true"]) });
  await waitForPod(c, "first", phaseIs("Succeeded"));
  const watcher = spawn(KUBECTL, ["get", "pods", "-w"], { env: kubectlEnv(c.kubeconfig, c.dir) });
  t.after(() => watcher.kill("SIGKILL"));
  const out = outputOf(watcher);
  await out.waitFor(/^first\s+0\/1\s+Completed/m);
  const gate = join(c.dir, "gate");
  await c.api.createNamespacedPod({ namespace: "default", body: pod("newbie", ["sh", "-c", `while [ ! -e ${gate} ]; do sleep 0.02; done`]) });
  await out.waitFor(/^newbie\s+0\/1\s+Pending/m);
  await out.waitFor(/^newbie\s+1\/1\s+Running/m);
  await writeFile(gate, "");
  await out.waitFor(/^newbie\s+0\/1\s+Completed/m);
  watcher.kill("SIGTERM");
  await exited(watcher);
  assert.equal(out.text().split("\n").filter((l) => l.startsWith("NAME")).length, 1, "one header");
});

test("npm run fake-kube serves kubectl; SIGTERM to its process group stops it all", async (t) => {
  const c = await startCluster(t); // only for its temp dir
  const kubeconfig = join(c.dir, "standalone", "kubeconfig");
  // Its own process group: npm passes SIGTERM to its `sh -c`, which dies without passing it on;
  // a signal to the group reaches the server itself, as Ctrl-C in a terminal does.
  const server = spawn("npm", ["run", "-s", "fake-kube", "--", "--port", "0", "--kubeconfig", kubeconfig], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true });
  t.after(() => signalGroup(server, "SIGKILL"));
  const out = outputOf(server);
  await out.waitFor(/fake-kube: kubeconfig .+\n/, 60_000);
  assert.match(out.text(), /^fake-kube: serving http:\/\/127\.0\.0\.1:\d+\nfake-kube: kubeconfig /);
  const url = /serving (\S+)/.exec(out.text())![1]!;
  const env = kubectlEnv(kubeconfig, c.dir);
  const empty = await run(KUBECTL, ["get", "pods"], { env });
  assert.equal(empty.stderr, "No resources found in default namespace.\n");
  signalGroup(server, "SIGTERM");
  await exited(server);
  await out.waitFor(/fake-kube: SIGTERM, stopping\n/);
  await assert.rejects(fetch(`${url}/version`), "the server is gone");
});

test("the fake-kube process exits 0 on SIGTERM and kills its pods' processes", async (t) => {
  const c = await startCluster(t); // only for its temp dir
  const kubeconfig = join(c.dir, "direct", "kubeconfig");
  // The command `npm run fake-kube` runs, without npm and sh in between.
  const server = spawn(process.execPath, ["--import", "tsx", "test/support/fake-kube/main.ts", "--port", "0", "--kubeconfig", kubeconfig], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true });
  t.after(() => signalGroup(server, "SIGKILL"));
  const out = outputOf(server);
  await out.waitFor(/fake-kube: kubeconfig .+\n/, 60_000);
  const env = kubectlEnv(kubeconfig, c.dir);
  const pidFile = join(c.dir, "pod.pid");
  // "$$$$": Kubernetes turns "$$" into "$" in a container's command, so sh sees "$$".
  await run(KUBECTL, ["run", "lingerer", "--image=busybox", "--restart=Never", "--command", "--", "sh", "-c", `echo $$$$ > ${pidFile}; exec sleep 300`], { env });
  await run(KUBECTL, ["wait", "--for=jsonpath={.status.phase}=Running", "pod/lingerer", "--timeout=30s"], { env });
  const podPid = Number((await readFile(pidFile, "utf8")).trim());
  assert.ok(processAlive(podPid));
  server.kill("SIGTERM");
  assert.deepEqual(await exited(server), { code: 0, signal: null });
  assert.equal(processAlive(podPid), false, "stop() killed the pod's process group");
});

test("npm run fake-kube with bad flags exits 2 with a message naming the flag", async () => {
  const bad = async (args: string[]) => {
    const r = await run("npm", ["run", "-s", "fake-kube", "--", ...args], { cwd: ROOT }).catch((err: { code: number; stderr: string }) => err);
    return r as { code: number; stderr: string };
  };
  const port = await bad(["--port", "http", "--kubeconfig", "/tmp/unused-kubeconfig"]);
  assert.equal(port.code, 2);
  assert.match(port.stderr, /--port must be an integer from 0 to 65535, got "http"/);
  const missing = await bad(["--port", "0"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /required option '--kubeconfig <file>' not specified/);
  const unknown = await bad(["--kubeconfig", "/tmp/unused-kubeconfig", "--colour"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown option '--colour'/);
  const cwd = await bad(["--kubeconfig", "/tmp/unused-kubeconfig", "--cwd", "/no/such/dir"]);
  assert.equal(cwd.code, 2);
  assert.match(cwd.stderr, /--cwd must be an existing directory, got "\/no\/such\/dir"/);
});

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // Already gone.
  }
}
