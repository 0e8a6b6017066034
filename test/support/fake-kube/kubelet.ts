import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { constants } from "node:os";
import type { V1Container, V1ContainerState, V1ContainerStateTerminated, V1ContainerStatus, V1PodCondition } from "@kubernetes/client-node";
import { containerEnv, ContainerConfigError, processArgv, processEnv } from "./env.js";
import type { ImageFaultKind } from "./faults.js";
import { ContainerLog } from "./logs.js";
import { Errors } from "./status.js";
import type { PodStore } from "./store.js";
import { nowTime, podKey, type Wire, type WirePod } from "./wire.js";

export const NODE_NAME = "fake-node";
const POD_IP = "127.0.0.1";

type Terminated = Wire<V1ContainerStateTerminated>;

/** One container of a pod: its current process and the logs of its runs. */
interface ContainerRun {
  spec: Wire<V1Container>;
  log: ContainerLog;
  previousLog?: ContainerLog;
  child?: ChildProcess;
  containerID?: string;
  restartCount: number;
  state: Wire<V1ContainerState>;
  lastState: Wire<V1ContainerState>;
  /** Started at least once (has a log to read). */
  everStarted: boolean;
}

interface PodRun {
  namespace: string;
  name: string;
  containers: ContainerRun[];
  timers: Set<NodeJS.Timeout>;
  fault?: { kind: ImageFaultKind; image: string };
  scheduled: boolean;
  startTime?: string;
  /** Why the processes are being stopped: a deletion, or the kubelet evicting the pod. */
  stopping?: "delete" | "evict";
  disruption?: { reason: string; message: string };
  evictionMessage?: string;
  conditionTimes: Map<string, { status: string; time: string }>;
  sandboxReady: boolean;
}

export interface KubeletOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  startDelayMs: number;
  imagePullBackoffMs: number;
  restartDelayMs: number;
}

const EVICTION_MESSAGE = "The node was low on resource: memory. Threshold quantity: 100Mi, available: 10Mi. ";

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 9;
}

function killGroup(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

function isRunning(c: ContainerRun): boolean {
  return c.child !== undefined;
}

/**
 * The scheduler and the kubelet of the fake's single node: binds each new pod, runs each container
 * as a local process group, and writes the pod status the real components would.
 */
export class Kubelet {
  private readonly runs = new Map<string, PodRun>();

  constructor(
    private readonly store: PodStore,
    private readonly options: KubeletOptions,
  ) {}

  /** Takes a pod just created: schedule it, then start its containers after startDelayMs. */
  admit(pod: WirePod, fault?: { kind: ImageFaultKind; image: string }): void {
    const run: PodRun = {
      namespace: pod.metadata!.namespace!,
      name: pod.metadata!.name!,
      containers: pod.spec!.containers.map((spec) => ({
        spec,
        log: new ContainerLog(),
        restartCount: 0,
        state: { waiting: { reason: "ContainerCreating" } },
        lastState: {},
        everStarted: false,
      })),
      timers: new Set(),
      scheduled: false,
      conditionTimes: new Map(),
      sandboxReady: false,
    };
    if (fault) run.fault = fault;
    this.runs.set(podKey(run.namespace, run.name), run);
    this.later(run, 0, () => this.schedule(run));
  }

  /** The log a `pods/log` request reads, or the 400 the kubelet answers with. */
  log(pod: WirePod, containerName: string | null, previous: boolean): ContainerLog {
    const name = pod.metadata!.name!;
    const names = pod.spec!.containers.map((c) => c.name);
    let chosen = containerName;
    if (chosen === null || chosen === "") {
      if (names.length !== 1) throw Errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(" ")}]`);
      chosen = names[0]!;
    }
    if (!names.includes(chosen)) throw Errors.badRequest(`container ${chosen} is not valid for pod ${name}`);
    if (!pod.spec!.nodeName) throw Errors.badRequest(`pod ${name} does not have a host assigned`);
    const run = this.runs.get(podKey(pod.metadata!.namespace!, name));
    const container = run?.containers.find((c) => c.spec.name === chosen);
    if (!container) throw Errors.badRequest(`container "${chosen}" in pod "${name}" is not available`);
    if (previous) {
      if (!container.previousLog) throw Errors.badRequest(`previous terminated container "${chosen}" in pod "${name}" not found`);
      return container.previousLog;
    }
    if (!container.everStarted) {
      const reason = container.state.waiting?.reason ?? "ContainerCreating";
      const shown = reason === "ErrImagePull" || reason === "ImagePullBackOff" ? "trying and failing to pull image" : reason;
      throw Errors.badRequest(`container "${chosen}" in pod "${name}" is waiting to start: ${shown}`);
    }
    return container.log;
  }

  /**
   * A DELETE on the pod. Unscheduled, finished or grace 0: removed now. Otherwise the pod gets a
   * deletionTimestamp, its processes SIGTERM and, after the grace period, SIGKILL; it is removed
   * once they are gone. Returns the object the API answers with.
   */
  delete(namespace: string, name: string, grace: number): WirePod {
    const pod = this.store.get(namespace, name);
    if (!pod) throw Errors.notFound("pods", name);
    const run = this.runs.get(podKey(namespace, name));
    const phase = pod.status?.phase;
    const running = run?.containers.some(isRunning) ?? false;
    if (grace === 0 || !pod.spec?.nodeName || phase === "Succeeded" || phase === "Failed") return this.removeNow(namespace, name, run);
    if (pod.metadata?.deletionTimestamp) return pod;
    const marked = this.store.update(namespace, name, (p) => {
      p.metadata!.deletionTimestamp = nowTime(new Date(Date.now() + grace * 1000));
      p.metadata!.deletionGracePeriodSeconds = grace;
    });
    if (!run || !running) {
      // Nothing to stop (still creating, or pulling an image): the kubelet confirms at once.
      if (run) run.stopping = "delete";
      this.later(run, 0, () => this.finishDeletion(namespace, name));
      return marked;
    }
    run.stopping = "delete";
    for (const c of run.containers) killGroup(c.child, "SIGTERM");
    this.later(run, grace * 1000, () => {
      for (const c of run.containers) killGroup(c.child, "SIGKILL");
    });
    return marked;
  }

  /** The eviction manager: kill the processes, phase Failed, reason Evicted. */
  evict(namespace: string, name: string): void {
    const run = this.mustRun(namespace, name);
    run.stopping = "evict";
    run.evictionMessage = EVICTION_MESSAGE;
    run.disruption = { reason: "TerminationByKubelet", message: EVICTION_MESSAGE };
    for (const c of run.containers) killGroup(c.child, "SIGKILL");
    if (!run.containers.some(isRunning)) this.sync(run);
  }

  /** The scheduler's preemption: DisruptionTarget condition, then a graceful deletion. */
  preempt(namespace: string, name: string): void {
    const run = this.mustRun(namespace, name);
    run.disruption = { reason: "PreemptionByScheduler", message: "default-scheduler: preempting to accommodate a higher priority pod" };
    this.sync(run);
    const pod = this.store.get(namespace, name);
    this.delete(namespace, name, pod?.spec?.terminationGracePeriodSeconds ?? 30);
  }

  /** Kills every process group and forgets every pod; resolves once the processes are gone. */
  async stop(): Promise<void> {
    const exits: Promise<void>[] = [];
    for (const run of this.runs.values()) {
      for (const t of run.timers) clearTimeout(t);
      run.timers.clear();
      run.stopping = "delete";
      for (const c of run.containers) {
        const child = c.child;
        if (child && child.exitCode === null && child.signalCode === null) {
          exits.push(new Promise((resolve) => child.once("close", () => resolve())));
          killGroup(child, "SIGKILL");
        }
        c.log.end();
      }
    }
    this.runs.clear();
    await Promise.all(exits);
  }

  private mustRun(namespace: string, name: string): PodRun {
    const run = this.runs.get(podKey(namespace, name));
    if (!run) throw new Error(`fake-kube: no pod ${namespace}/${name} to inject a fault into`);
    return run;
  }

  private later(run: PodRun | undefined, ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      run?.timers.delete(timer);
      fn();
    }, ms);
    run?.timers.add(timer);
  }

  private removeNow(namespace: string, name: string, run: PodRun | undefined): WirePod {
    if (run) {
      run.stopping = "delete";
      for (const t of run.timers) clearTimeout(t);
      for (const c of run.containers) killGroup(c.child, "SIGKILL");
    }
    this.runs.delete(podKey(namespace, name));
    return this.store.remove(namespace, name);
  }

  private finishDeletion(namespace: string, name: string): void {
    if (!this.store.get(namespace, name)) return;
    this.removeNow(namespace, name, this.runs.get(podKey(namespace, name)));
  }

  private schedule(run: PodRun): void {
    if (run.fault?.kind === "unschedulable") {
      this.update(run, (pod) => {
        pod.status!.conditions = [
          {
            type: "PodScheduled",
            status: "False",
            reason: "Unschedulable",
            message: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
            lastTransitionTime: nowTime(),
          },
        ];
      });
      return;
    }
    run.scheduled = true;
    this.update(run, (pod) => {
      pod.spec!.nodeName = NODE_NAME;
      pod.status!.conditions = [this.condition(run, "PodScheduled", "True")];
    });
    run.startTime = nowTime();
    run.sandboxReady = true;
    this.sync(run);
    this.later(run, this.options.startDelayMs, () => this.startContainers(run));
  }

  private startContainers(run: PodRun): void {
    if (run.stopping) return;
    if (run.fault?.kind === "image-pull") return this.pullFailing(run, run.fault.image, true);
    const pod = this.store.get(run.namespace, run.name);
    if (!pod) return;
    for (const c of run.containers) {
      if (run.fault?.kind === "create-container-config-error" && c.spec.image === run.fault.image) {
        c.state = { waiting: { reason: "CreateContainerConfigError", message: `secret "fake-kube-injected" not found` } };
        continue;
      }
      this.startContainer(run, pod, c);
    }
    this.sync(run);
  }

  private pullFailing(run: PodRun, image: string, errImagePull: boolean): void {
    if (run.stopping || !this.store.get(run.namespace, run.name)) return;
    for (const c of run.containers) {
      if (c.spec.image !== image) continue;
      c.state = errImagePull
        ? { waiting: { reason: "ErrImagePull", message: `failed to pull and unpack image "${image}": failed to resolve reference "${image}": not found` } }
        : { waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${image}"` } };
    }
    this.sync(run);
    this.later(run, this.options.imagePullBackoffMs, () => this.pullFailing(run, image, !errImagePull));
  }

  private startContainer(run: PodRun, pod: WirePod, c: ContainerRun): void {
    let own: Record<string, string>;
    try {
      own = containerEnv(pod, c.spec);
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      c.state = { waiting: { reason: "CreateContainerConfigError", message: err.message } };
      return;
    }
    const argv = processArgv(c.spec, own);
    c.containerID = `containerd://${randomBytes(32).toString("hex")}`;
    const startedAt = nowTime();
    c.everStarted = true;
    if (argv.length === 0) {
      this.terminate(run, c, { exitCode: 128, reason: "StartError", message: "fake-kube runs no images: the container needs a command", startedAt, finishedAt: startedAt });
      return;
    }
    const log = c.log;
    const child = spawn(argv[0]!, argv.slice(1), {
      env: processEnv(this.options.env, pod, own),
      cwd: c.spec.workingDir || this.options.cwd,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    c.child = child;
    c.state = { running: { startedAt } };
    child.stdout!.on("data", (chunk: Buffer) => log.write(chunk));
    child.stderr!.on("data", (chunk: Buffer) => log.write(chunk));
    let spawnError: Error | undefined;
    child.once("error", (err) => {
      spawnError = err;
    });
    child.once("close", (code, signal) => {
      c.child = undefined;
      const finishedAt = nowTime();
      if (spawnError) {
        const message = `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: ${JSON.stringify(argv[0])}: ${spawnError.message}: unknown`;
        this.terminate(run, c, { exitCode: 128, reason: "StartError", message, startedAt, finishedAt });
        return;
      }
      const exitCode = code ?? 128 + signalNumber(signal ?? "SIGKILL");
      const terminated: Terminated = { exitCode, reason: exitCode === 0 ? "Completed" : "Error", startedAt, finishedAt };
      if (signal) terminated.signal = signalNumber(signal);
      this.terminate(run, c, terminated);
    });
  }

  /** A container's process ended: record it, restart it if the policy says so, finish the pod otherwise. */
  private terminate(run: PodRun, c: ContainerRun, terminated: Terminated): void {
    c.log.end();
    terminated.containerID = c.containerID;
    const pod = this.store.get(run.namespace, run.name);
    if (pod && terminated.exitCode !== 0 && c.spec.terminationMessagePolicy === "FallbackToLogsOnError" && !terminated.message) {
      const tail = c.log.tail();
      if (tail) terminated.message = tail;
    }
    c.state = { terminated };
    const policy = pod?.spec?.restartPolicy ?? "Never";
    const restart = !run.stopping && pod !== undefined && (policy === "Always" || (policy === "OnFailure" && terminated.exitCode !== 0));
    if (restart) {
      this.later(run, this.options.restartDelayMs, () => {
        const current = this.store.get(run.namespace, run.name);
        if (run.stopping || !current) return;
        c.lastState = { terminated };
        c.restartCount += 1;
        c.previousLog = c.log;
        c.log = new ContainerLog();
        this.startContainer(run, current, c);
        this.sync(run);
      });
    }
    this.sync(run);
    if (run.stopping === "delete" && !run.containers.some(isRunning)) this.finishDeletion(run.namespace, run.name);
  }

  /** Condition with a lastTransitionTime that moves only when its status does. */
  private condition(run: PodRun, type: string, status: "True" | "False", reason?: string, message?: string): Wire<V1PodCondition> {
    const seen = run.conditionTimes.get(type);
    const time = seen && seen.status === status ? seen.time : nowTime();
    run.conditionTimes.set(type, { status, time });
    const cond: Wire<V1PodCondition> = { type, status, lastTransitionTime: time };
    if (reason) cond.reason = reason;
    if (message) cond.message = message;
    return cond;
  }

  private phase(run: PodRun, pod: WirePod): string {
    const previous = pod.status?.phase ?? "Pending";
    if (previous === "Succeeded" || previous === "Failed") return previous;
    if (run.evictionMessage && !run.containers.some(isRunning)) return "Failed";
    const policy = pod.spec?.restartPolicy ?? "Always";
    const allDone = run.containers.every((c) => c.state.terminated !== undefined);
    const allSucceeded = run.containers.every((c) => c.state.terminated?.exitCode === 0);
    if (allDone && (policy === "Never" || run.stopping || (policy === "OnFailure" && allSucceeded))) return allSucceeded ? "Succeeded" : "Failed";
    if (run.containers.some((c) => c.state.running !== undefined || c.state.terminated !== undefined)) return "Running";
    return "Pending";
  }

  private update(run: PodRun, change: (pod: WirePod) => void): void {
    if (!this.store.get(run.namespace, run.name)) return;
    this.store.update(run.namespace, run.name, change);
  }

  /** Writes the pod status the kubelet would report for the containers' current states. */
  private sync(run: PodRun): void {
    this.update(run, (pod) => {
      const phase = this.phase(run, pod);
      const terminal = phase === "Succeeded" || phase === "Failed";
      const status = pod.status ?? {};
      status.phase = phase;
      if (run.evictionMessage && terminal) {
        status.reason = "Evicted";
        status.message = run.evictionMessage;
      }
      const unready = run.containers.filter((c) => !(c.state.running && !terminal)).map((c) => c.spec.name);
      const readyReason = terminal ? "PodCompleted" : "ContainersNotReady";
      const readyMessage = terminal ? undefined : `containers with unready status: [${unready.join(" ")}]`;
      const conditions: Wire<V1PodCondition>[] = [];
      if (run.disruption) conditions.push(this.condition(run, "DisruptionTarget", "True", run.disruption.reason, run.disruption.message));
      conditions.push(this.condition(run, "PodReadyToStartContainers", run.sandboxReady && !terminal ? "True" : "False"));
      conditions.push(this.condition(run, "Initialized", "True"));
      conditions.push(unready.length === 0 ? this.condition(run, "Ready", "True") : this.condition(run, "Ready", "False", readyReason, readyMessage));
      conditions.push(unready.length === 0 ? this.condition(run, "ContainersReady", "True") : this.condition(run, "ContainersReady", "False", readyReason, readyMessage));
      conditions.push(this.condition(run, "PodScheduled", "True"));
      status.conditions = conditions;
      status.hostIP = POD_IP;
      status.hostIPs = [{ ip: POD_IP }];
      if (run.containers.some((c) => c.everStarted)) {
        status.podIP = POD_IP;
        status.podIPs = [{ ip: POD_IP }];
      }
      if (run.startTime) status.startTime = run.startTime;
      status.containerStatuses = run.containers.map((c) => {
        const running = c.state.running !== undefined && !terminal;
        const cs: Wire<V1ContainerStatus> = {
          name: c.spec.name,
          image: c.spec.image ?? "",
          imageID: c.everStarted ? `docker.io/library/${c.spec.image ?? ""}@sha256:${"0".repeat(64)}` : "",
          ready: running,
          started: running,
          restartCount: c.restartCount,
          state: c.state,
          lastState: c.lastState,
        };
        if (c.containerID) cs.containerID = c.containerID;
        return cs;
      });
      pod.status = status;
    });
  }
}
