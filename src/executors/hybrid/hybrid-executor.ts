import type { TaskInstanceKey } from "../../common/keys.js";
import type { TaskEvent, Workload } from "../../common/workload.js";
import type { ExecutorName } from "../../config/executor-names.js";
import { BaseExecutor } from "../base.js";
import type { ExecutorClass } from "../brand.js";
import type { SchedulerExecutor } from "../scheduler-executor.js";
import type { ExecutorContext, TaskInstanceRef, TaskLog } from "../types.js";
import { compileHybridExecutorOptions, KUBERNETES_SIDE, sideName, type CompiledHybridExecutorOptions, type OtherSide } from "./options.js";

/** What makes one hybrid class: which executor each side is, and the sub-table of the non-Kubernetes side. */
export interface HybridSpec {
  /** The class name users write in `[core] executor` (LocalKubernetesExecutor, BullMQKubernetesExecutor). */
  readonly className: string;
  readonly otherSide: OtherSide;
  readonly otherClass: ExecutorClass;
  readonly otherClassName: string;
  readonly kubernetesClass: ExecutorClass;
}

/**
 * Airflow's CeleryKubernetesExecutor / LocalKubernetesExecutor: two executors behind one name, a
 * try going to the Kubernetes side when its queue is `kubernetes_queue` and to the other side
 * otherwise. The hybrid keeps no state of its own: which side holds a try is asked of the sides,
 * and a try's side is otherwise its queue, so nothing can disagree after a restart.
 *
 * Held and live tries are the union; parallelism is the other side's, and bounds the hybrid as a
 * whole: slots occupied are the union, and a Kubernetes try takes one of the slots too. Its parts, the two sides, are
 * exposed so the scheduler can stop or release each by its own kind on a lost lease.
 *
 * It extends BaseExecutor only to be loaded like any executor; every call of the scheduler's
 * interface is passed on to the sides, and the base class's own maps stay empty.
 */
export class HybridExecutor extends BaseExecutor {
  readonly kubernetesQueue: string;
  /** The side for tries whose queue is not `kubernetesQueue`. */
  readonly other: BaseExecutor;
  readonly kubernetes: BaseExecutor;
  /** True only when both sides' tries outlive the scheduler; `parts` tells the scheduler each side's kind. */
  override readonly triesOutliveScheduler: boolean;
  readonly parts: readonly SchedulerExecutor[];
  // Airflow's flags of its hybrids are its Celery or Local side's: LocalKubernetesExecutor serves
  // logs and does not pickle, CeleryKubernetesExecutor the other way round.
  override readonly servesLogs: boolean;
  override readonly supportsPickling: boolean;

  constructor(context: ExecutorContext, spec: HybridSpec) {
    const options = compileHybridExecutorOptions(context.options, { executor: context.name.name, otherSide: spec.otherSide });
    const other = new spec.otherClass(sideContext(context, spec.otherSide, spec.otherClassName, options.other));
    const kubernetes = new spec.kubernetesClass(sideContext(context, KUBERNETES_SIDE, "KubernetesExecutor", options.kubernetes));
    super(context, other.parallelism);
    this.kubernetesQueue = options.kubernetesQueue;
    this.other = other;
    this.kubernetes = kubernetes;
    this.triesOutliveScheduler = other.triesOutliveScheduler && kubernetes.triesOutliveScheduler;
    this.parts = [other, kubernetes];
    this.servesLogs = other.servesLogs;
    this.supportsPickling = other.supportsPickling;
  }

  /** The side that runs tries of `queue`. */
  sideFor(queue: string): BaseExecutor {
    return queue === this.kubernetesQueue ? this.kubernetes : this.other;
  }

  /** The side that holds the try now, else the one its queue names. */
  #sideOf(ti: Pick<TaskInstanceRef, "key" | "queue">): BaseExecutor {
    if (this.kubernetes.hasTask(ti.key)) return this.kubernetes;
    if (this.other.hasTask(ti.key)) return this.other;
    return this.sideFor(ti.queue);
  }

  /**
   * The other side's parallelism less the tries of both sides: the scheduler counts a hybrid's
   * queued and running TIs together, whatever side runs them, so a Kubernetes try takes one of
   * these slots too, and the count here must agree with that one. (Airflow's hybrids report the
   * Celery or Local side's free slots only.)
   */
  override get slotsAvailable(): number {
    return this.parallelism - this.slotsOccupied;
  }

  override get slotsOccupied(): number {
    return this.other.slotsOccupied + this.kubernetes.slotsOccupied;
  }

  override setJobId(id: number): void {
    super.setJobId(id);
    for (const side of this.parts) side.setJobId(id);
  }

  override queueWorkload(workload: Workload): boolean {
    return this.sideFor(workload.queue).queueWorkload(workload);
  }

  override hasTask(key: TaskInstanceKey): boolean {
    return this.other.hasTask(key) || this.kubernetes.hasTask(key);
  }

  override heldTries(): TaskInstanceKey[] {
    return [...this.other.heldTries(), ...this.kubernetes.heldTries()];
  }

  override liveTries(): TaskInstanceKey[] {
    return [...this.other.liveTries(), ...this.kubernetes.liveTries()];
  }

  override externalIdFor(workload: Workload): string | null {
    return this.sideFor(workload.queue).externalIdFor(workload);
  }

  /** Both sides' queued workloads, highest priority first (each side triggers its own in this order). */
  override orderQueuedTasksByPriority(): Workload[] {
    return [...this.other.orderQueuedTasksByPriority(), ...this.kubernetes.orderQueuedTasksByPriority()].sort((a, b) => b.priorityWeight - a.priorityWeight);
  }

  override async heartbeat(): Promise<void> {
    await Promise.all([this.other.heartbeat(), this.kubernetes.heartbeat()]);
  }

  override async sync(): Promise<void> {
    await Promise.all([this.other.sync(), this.kubernetes.sync()]);
  }

  /** Never called: workloads are queued on, and triggered by, a side. */
  protected override executeAsync(workload: Workload): never {
    throw new Error(`${this.name.name}: a hybrid executor runs nothing itself (try ${workload.key.taskId} should have gone to a side)`);
  }

  override getEventBuffer(dagIds?: ReadonlySet<string>): TaskEvent[] {
    return [...this.other.getEventBuffer(dagIds), ...this.kubernetes.getEventBuffer(dagIds)];
  }

  override onEvent(listener: () => void): () => void {
    const offs = this.parts.map((side) => side.onEvent(listener));
    return () => offs.forEach((off) => off());
  }

  override onTriesLost(listener: (keys: readonly TaskInstanceKey[], reason: string) => void): () => void {
    const offs = this.parts.map((side) => side.onTriesLost(listener));
    return () => offs.forEach((off) => off());
  }

  override warmUp(): void {
    for (const side of this.parts) side.warmUp?.();
  }

  /** Both sides, the other first; a Kubernetes side that fails to start stops the other again, so nothing is left half started. */
  override async start(): Promise<void> {
    await this.other.start();
    try {
      await this.kubernetes.start();
    } catch (error) {
      await this.other.terminate();
      throw error;
    }
  }

  /** Each side stops by its own kind: the Local side waits for its tries, a side whose tries outlive the scheduler releases them. */
  override async end(): Promise<void> {
    await Promise.all([this.other.end(), this.kubernetes.end()]);
  }

  override async terminate(): Promise<void> {
    await Promise.all([this.other.terminate(), this.kubernetes.terminate()]);
  }

  /** Each TI is offered to the side its queue names; returns those neither side adopted. */
  override async tryAdoptTaskInstances(tis: TaskInstanceRef[]): Promise<TaskInstanceRef[]> {
    const toKubernetes = tis.filter((ti) => ti.queue === this.kubernetesQueue);
    const toOther = tis.filter((ti) => ti.queue !== this.kubernetesQueue);
    const [notByOther, notByKubernetes] = await Promise.all([
      toOther.length > 0 ? this.other.tryAdoptTaskInstances(toOther) : [],
      toKubernetes.length > 0 ? this.kubernetes.tryAdoptTaskInstances(toKubernetes) : [],
    ]);
    return [...notByOther, ...notByKubernetes];
  }

  override async revokeTask(ti: TaskInstanceRef, reason?: string): Promise<void> {
    await this.#sideOf(ti).revokeTask(ti, reason);
  }

  /**
   * Called by a scheduler that treats this executor as one (it ignored `parts`): only the sides
   * whose tries outlive it are released; a side whose tries live in its process keeps them.
   */
  override async releaseAll(): Promise<void> {
    for (const side of this.parts) if (side.triesOutliveScheduler) await side.releaseAll();
  }

  override renewLease(until: number): void {
    for (const side of this.parts) side.renewLease(until);
  }

  /** From the side that ran the try: the one its queue names. */
  override getTaskLog(ti: TaskInstanceRef, tryNumber: number): Promise<TaskLog> {
    return this.sideFor(ti.queue).getTaskLog(ti, tryNumber);
  }

  override debugDump(): Record<string, unknown> {
    return {
      executor: this.toString(),
      kubernetesQueue: this.kubernetesQueue,
      triesOutliveScheduler: this.triesOutliveScheduler,
      other: this.other.debugDump(),
      kubernetes: this.kubernetes.debugDump(),
    };
  }

  override toString(): string {
    return `${this.constructor.name}(name=${this.name.name}, kubernetes_queue=${this.kubernetesQueue}, other=${this.other}, kubernetes=${this.kubernetes})`;
  }
}

/** A side's context: its sub-table as its section, named `<hybrid>.<side>` so its errors give the full key path. */
function sideContext(context: ExecutorContext, side: string, className: string, options: CompiledHybridExecutorOptions["other"]): ExecutorContext {
  const name = sideName(context.name.name, side);
  const sideExecutorName: ExecutorName = Object.freeze({
    raw: `${context.name.raw} (${side} side)`,
    alias: null,
    className,
    modulePath: null,
    modulePathAsWritten: null,
    name,
  });
  return { ...context, name: sideExecutorName, options };
}

/** A loadable class for one hybrid: the loader builds executors with `new cls(context)`. */
export function hybridExecutorClass(spec: HybridSpec): ExecutorClass {
  const cls = class extends HybridExecutor {
    constructor(context: ExecutorContext) {
      super(context, spec);
    }
  };
  Object.defineProperty(cls, "name", { value: spec.className });
  return cls;
}
