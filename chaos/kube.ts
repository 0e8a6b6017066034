import fs from "node:fs";
import path from "node:path";
import type { V1Pod } from "@kubernetes/client-node";
import { keyOfAnnotations } from "../src/executors/kubernetes/labels.js";
import { startFakeKube, type FakeKube } from "../test/support/fake-kube/index.js";
import type { Rng } from "./rng.js";

/** The KubernetesExecutor alias of the chaos deployment: tasks routed to pods say `executor: "k8s"`. */
export const KUBE_EXECUTOR = "k8s";
/** The image the pods name; the fake runs any image (it runs the container's command locally). */
const KUBE_IMAGE = "switchyard:chaos";
/**
 * Re-runs of one task instance after an eviction or preemption, not counted against its retries.
 * The suite evicts one TI at most this many times, so every eviction it injects must be a reset.
 */
export const MAX_EVICTION_RETRIES = 2;
/** Seconds a pod may be Pending, and a create be retried: long enough for a burst of 429s and 5xxs. */
const PENDING_TIMEOUT_S = 60;

/** Every fake API server the suite started and has not stopped: what an interrupted suite must stop (their pods are its children). */
export const liveKubes = new Set<FakeKube>();

/** A try whose pod the suite can disrupt now. */
export interface PodTry {
  readonly pod: string;
  readonly taskId: string;
  readonly tryNumber: number;
}

/**
 * The cycle's Kubernetes: the fake API server (test/support/fake-kube) in the suite's own process,
 * its pods running `switchyard tasks run --workload` as the suite's children from a pod home of
 * their own (the DAG file, a switchyard.toml with a database that leads nowhere, `switchyard` on
 * PATH running the CLI under test), as a task image would. A scheduler killed by the suite leaves
 * its pods running, as on a cluster.
 */
export class KubeCluster {
  readonly kubeconfig: string;
  readonly podHome: string;
  private fake: FakeKube | null = null;

  constructor(
    private readonly cycleHome: string,
    private readonly cliPath: string,
  ) {
    this.kubeconfig = path.join(cycleHome, "kubeconfig");
    this.podHome = path.join(cycleHome, "pod-home");
  }

  async start(dagFile: string, dagSource: string): Promise<void> {
    const bin = path.join(this.cycleHome, "pod-bin");
    fs.mkdirSync(bin, { recursive: true });
    fs.mkdirSync(path.join(this.podHome, "dags"), { recursive: true });
    fs.writeFileSync(path.join(this.podHome, "dags", dagFile), dagSource);
    fs.writeFileSync(path.join(this.podHome, "switchyard.toml"), `[core]\ndags_folder = "dags"\n[database]\nurl = "postgresql://nobody@127.0.0.1:1/none"\n`);
    const shim = path.join(bin, "switchyard");
    fs.writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${this.cliPath}" "$@"\n`);
    fs.chmodSync(shim, 0o755);
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, SWITCHYARD_HOME: this.podHome };
    delete env.NODE_OPTIONS; // the suite runs under tsx; a pod runs the CLI as built, as an image would
    for (const key of Object.keys(env)) if (key.startsWith("SWITCHYARD__")) delete env[key];
    this.fake = await startFakeKube({ env, cwd: this.podHome });
    liveKubes.add(this.fake);
    await this.fake.writeKubeconfig(this.kubeconfig);
  }

  /** The `[executors.k8s]` section of the schedulers' switchyard.toml. */
  section(): string {
    return `[executors.${KUBE_EXECUTOR}]\nkubeconfig = ${JSON.stringify(this.kubeconfig)}\nimage = ${JSON.stringify(KUBE_IMAGE)}\npending_timeout = ${PENDING_TIMEOUT_S}\nmax_eviction_retries = ${MAX_EVICTION_RETRIES}\n`;
  }

  private get api(): FakeKube {
    if (this.fake === null) throw new Error("the fake API server is not started");
    return this.fake;
  }

  /** Pods whose container runs right now (phase Running, not being deleted), with the try each runs. */
  runningTries(): PodTry[] {
    if (this.fake === null) return [];
    return this.api.pods().flatMap((p: V1Pod) => {
      const key = keyOfAnnotations(p.metadata?.annotations);
      const name = p.metadata?.name;
      if (key === null || name === undefined || p.status?.phase !== "Running" || p.metadata?.deletionTimestamp) return [];
      return [{ pod: name, taskId: key.taskId, tryNumber: key.tryNumber }];
    });
  }

  /** The kubelet's eviction manager: the pod's processes SIGKILLed, phase Failed, reason Evicted. */
  evict(pod: string): void {
    this.api.inject({ kind: "evict", pod });
  }

  /** The scheduler's preemption: DisruptionTarget, then a graceful deletion (SIGTERM, SIGKILL after the grace period). */
  preempt(pod: string): void {
    this.api.inject({ kind: "preempt", pod });
  }

  /** Every open watch cut mid-stream, as a broken connection. */
  dropWatches(): void {
    this.api.inject({ kind: "drop-watches" });
  }

  /** The watch history compacted: open watches end with ERROR 410 Expired, and resuming from their resourceVersion gets 410. */
  expireWatches(): void {
    this.api.inject({ kind: "expire-watches" });
  }

  /** The next `times` pod creates answered 429 (Retry-After 1 s), 500 or 503. Returns what was injected. */
  createBurst(rng: Rng): { code: 429 | 500 | 503; times: number } {
    const code = rng.pick([429, 500, 503] as const);
    const times = rng.int(2, 5);
    this.api.inject({ kind: "status", verb: "create", code, times });
    return { code, times };
  }

  /** API requests so far by "verb resource" (the report's evidence that a burst was met). */
  requestCounts(): Record<string, number> {
    return this.fake?.requestCounts() ?? {};
  }

  /** Pods left at the end of the cycle, as written to pods.json. */
  pods(): V1Pod[] {
    return this.fake?.pods() ?? [];
  }

  /** Closes the watches, kills every pod's process group, closes the server. */
  async stop(): Promise<void> {
    const fake = this.fake;
    this.fake = null;
    if (fake === null) return;
    liveKubes.delete(fake);
    await fake.stop();
  }
}
