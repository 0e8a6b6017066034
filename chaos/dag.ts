import { FLEET_EXECUTOR } from "./fleet.js";
import { KUBE_EXECUTOR } from "./kube.js";
import type { Rng } from "./rng.js";

/** What a chaos task does, and so what its task instance must end as. */
export const TaskMode = {
  /** Succeeds on every try. */
  OK: "ok",
  /** Fails on try 1 (via $SWITCHYARD_TRY_NUMBER), succeeds after. */
  FLAKY: "flaky",
  /** Fails on every try: must end failed after exactly retries + 1 counted tries. */
  DOOMED: "doomed",
  /**
   * An fn in a synchronous endless loop: blocks the warm runner it shares with other tries (issue 9
   * §3). Fails on every try, by its own fault; the other tries on that runner may only be reset.
   */
  BLOCKER: "blocker",
  /** A bash task that SIGKILLs its parent process ($PPID): fails on every try and takes no other try with it. */
  PARENT_KILLER: "parent_killer",
} as const;
export type TaskMode = (typeof TaskMode)[keyof typeof TaskMode];

/** Modes whose every try fails, so the TI ends failed after exactly retries + 1 counted tries. */
export const ALWAYS_FAILING: readonly TaskMode[] = [TaskMode.DOOMED, TaskMode.BLOCKER, TaskMode.PARENT_KILLER];

export interface TaskSpec {
  readonly id: string;
  readonly mode: TaskMode;
  readonly retries: number;
  readonly retryDelay: number;
  readonly sleepMs: number;
  readonly triggerRule?: "all_done";
  readonly upstream: readonly string[];
  /** Routed to the fleet (the BullMQExecutor `fleet`) on this queue; unset: the LocalExecutor. */
  readonly fleetQueue?: "default" | "io";
  /** Routed to a pod of its own (the KubernetesExecutor `k8s`). */
  readonly kube?: true;
}

export interface DagShape {
  /** Parallel chains and their length. */
  readonly chains: number;
  readonly chainLength: number;
  /** Fan-out/fan-in groups (head → width tasks → join) and their width. */
  readonly fans: number;
  readonly fanWidth: number;
  /** Tasks that fail on purpose, each followed by an all_done cleanup so the run can still succeed. */
  readonly doomed: number;
  readonly flaky: number;
  /** fn tasks that block their runner's event loop, and bash tasks that kill their parent; each with an all_done cleanup. */
  readonly culprits: number;
  /** Share of tasks with retries = 0 (never picked for a task kill). */
  readonly noRetryShare: number;
  /** Length of the chain whose tasks run in pods (a pod at a time, from start to near the end of the run). */
  readonly kubeChainLength: number;
}

/** About 280 tasks; the 40-task chains make the run last long enough for several faults. */
export const FULL_SHAPE: DagShape = { chains: 5, chainLength: 40, fans: 2, fanWidth: 25, doomed: 2, flaky: 8, culprits: 1, noRetryShare: 0.05, kubeChainLength: 16 };
/** About 70 tasks, for CI. */
export const SHORT_SHAPE: DagShape = { chains: 2, chainLength: 20, fans: 1, fanWidth: 15, doomed: 1, flaky: 3, culprits: 1, noRetryShare: 0.05, kubeChainLength: 8 };

export interface ChaosDag {
  readonly dagId: string;
  readonly tasks: ReadonlyMap<string, TaskSpec>;
  /** The DAG file's text. */
  readonly source: string;
}

/**
 * A DAG of a few hundred short bash tasks: a start task, chains (one of them in pods), fan-out/fan-in groups, doomed
 * tasks and culprits (an fn that blocks its runner, a bash task that kills its parent) with
 * all_done cleanups, and a final join. Every task but the culprits runs chaos/task.sh.
 */
export function buildChaosDag(dagId: string, shape: DagShape, rng: Rng, taskScript: string, marksDir: string, maxActiveTasks: number): ChaosDag {
  const specs: Array<{ -readonly [K in keyof TaskSpec]: TaskSpec[K] }> = [];
  const add = (id: string, upstream: string[], extra: Partial<TaskSpec> = {}): string => {
    const noRetry = rng.next() < shape.noRetryShare;
    specs.push({
      id,
      mode: TaskMode.OK,
      retries: noRetry ? 0 : 1,
      retryDelay: rng.pick([0, 0.2, 0.5, 1]),
      sleepMs: rng.int(50, 300),
      upstream,
      ...extra,
    });
    return id;
  };

  const start = add("start", []);
  const leaves: string[] = [];
  const middle: string[] = [];
  // The first chain runs on the fleet's default queue, every other fan task on its io queue: fleet
  // and local tries depend on each other (the fans' heads and joins are local).
  for (let c = 0; c < shape.chains; c++) {
    let prev = start;
    for (let i = 0; i < shape.chainLength; i++) {
      prev = add(`chain${c}_${i}`, [prev], c === 0 ? { fleetQueue: "default" } : {});
      middle.push(prev);
    }
    leaves.push(prev);
  }
  // One chain runs in pods, a pod at a time over most of the run, so the pod faults find one to
  // hit; their work lasts longer, so evictions and scheduler kills land while it is under way.
  const inPod = (): Partial<TaskSpec> => ({ kube: true, sleepMs: rng.int(300, 1200) });
  let prevPod = start;
  for (let i = 0; i < shape.kubeChainLength; i++) {
    prevPod = add(`kube_${i}`, [prevPod], inPod());
    middle.push(prevPod);
  }
  leaves.push(prevPod);
  for (let f = 0; f < shape.fans; f++) {
    const head = add(`fan${f}_head`, [start]);
    const wide: string[] = [];
    // Every other task on the fleet's io queue, every fourth in a pod: the three kinds of try run side by side.
    for (let i = 0; i < shape.fanWidth; i++) wide.push(add(`fan${f}_${i}`, [head], i % 2 === 1 ? { fleetQueue: "io" } : i % 4 === 2 ? inPod() : {}));
    middle.push(...wide);
    leaves.push(add(`fan${f}_join`, wide));
  }
  for (let d = 0; d < shape.doomed; d++) {
    const doomed = add(`doomed${d}`, [start], { mode: TaskMode.DOOMED, retries: rng.int(1, 2), retryDelay: 0.2 });
    leaves.push(add(`doomed${d}_cleanup`, [doomed], { triggerRule: "all_done" }));
  }
  for (let c = 0; c < shape.culprits; c++) {
    // Started from a chain's middle, so they meet other tries on the runners (the scheduler's: culprits stay local).
    const from = rng.pick(middle);
    const blocker = add(`blocker${c}`, [from], { mode: TaskMode.BLOCKER, retries: rng.int(0, 1), retryDelay: 0.2 });
    leaves.push(add(`blocker${c}_cleanup`, [blocker], { triggerRule: "all_done" }));
    const killer = add(`parent_killer${c}`, [from], { mode: TaskMode.PARENT_KILLER, retries: rng.int(0, 1), retryDelay: 0.2 });
    leaves.push(add(`parent_killer${c}_cleanup`, [killer], { triggerRule: "all_done" }));
  }
  add("finish", leaves);

  const flakyIds = new Set<string>();
  while (flakyIds.size < Math.min(shape.flaky, middle.length)) flakyIds.add(rng.pick(middle));
  const tasks = new Map<string, TaskSpec>();
  for (const s of specs) {
    if (flakyIds.has(s.id)) {
      s.mode = TaskMode.FLAKY;
      s.retries = 2;
    }
    tasks.set(s.id, s);
  }
  return { dagId, tasks, source: dagSource(dagId, tasks, taskScript, marksDir, maxActiveTasks) };
}

function dagSource(dagId: string, tasks: ReadonlyMap<string, TaskSpec>, taskScript: string, marksDir: string, maxActiveTasks: number): string {
  const lines = [
    `import { dag } from "@switchyard/core";`,
    `const d = dag(${JSON.stringify(dagId)}, { maxActiveTasks: ${maxActiveTasks} });`,
    `const t = {};`,
  ];
  for (const s of tasks.values()) {
    const command = `bash ${taskScript} ${marksDir} ${s.sleepMs} ${s.mode}`;
    const opts: Record<string, unknown> = { retries: s.retries, retryDelay: s.retryDelay };
    if (s.triggerRule) opts.triggerRule = s.triggerRule;
    if (s.fleetQueue) Object.assign(opts, { executor: FLEET_EXECUTOR, queue: s.fleetQueue });
    if (s.kube) Object.assign(opts, { executor: KUBE_EXECUTOR });
    const id = JSON.stringify(s.id);
    if (s.mode === TaskMode.BLOCKER) lines.push(`t[${id}] = d.fn(${id}, () => { for (;;) {} }, ${JSON.stringify(opts)});`);
    else if (s.mode === TaskMode.PARENT_KILLER) lines.push(`t[${id}] = d.bash(${id}, "kill -9 $PPID; sleep 5", ${JSON.stringify(opts)});`);
    else lines.push(`t[${id}] = d.bash(${id}, ${JSON.stringify(command)}, ${JSON.stringify(opts)});`);
  }
  for (const s of tasks.values()) {
    if (s.upstream.length > 0) lines.push(`t[${JSON.stringify(s.id)}].after(${s.upstream.map((u) => `t[${JSON.stringify(u)}]`).join(", ")});`);
  }
  lines.push(`export default d;`, ``);
  return lines.join("\n");
}
