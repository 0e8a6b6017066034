/**
 * DAG files for the scenarios, as small TypeScript sources with loops (a 100k-task DAG is a few
 * lines, not 100k). Every task is a no-op: bash `true`, or an fn that returns at once.
 * `maxActiveTasks` is set high so that only `[core] parallelism` and the executors' own
 * parallelism bound concurrency.
 */

export type TaskKind = "bash" | "fn";

export interface TaskShape {
  readonly kind: TaskKind;
  /** `executorConfig.isolation` of every task; unset: the executor's own isolation. */
  readonly isolation?: "warm" | "process";
  /** Executors to deal tasks to, round robin; unset: the default executor. */
  readonly executors?: readonly string[];
  /** The DAG's default executor (`defaults.executor`): every task of the DAG runs there. */
  readonly dagExecutor?: string;
  /** fn tasks wait this long (a timer, no CPU) instead of returning at once: a task that waits on I/O. */
  readonly waitMs?: number;
}

export const MAX_ACTIVE_TASKS = 1_000_000;

/** Zero-padded so that task ids sort in chain order. */
export function taskId(i: number): string {
  return `t${String(i).padStart(6, "0")}`;
}

function header(dagId: string, shape: TaskShape): string {
  const options: Record<string, unknown> = {};
  if (shape.isolation !== undefined) options["executorConfig"] = { isolation: shape.isolation };
  const defaults = shape.dagExecutor === undefined ? "" : `, defaults: ${JSON.stringify({ executor: shape.dagExecutor })}`;
  return [
    `import { dag, chain } from "@switchyard/core";`,
    `const d = dag(${JSON.stringify(dagId)}, { schedule: null, maxActiveTasks: ${MAX_ACTIVE_TASKS}, maxActiveRuns: 1${defaults} });`,
    `const options = ${JSON.stringify(options)};`,
    `const executors = ${JSON.stringify(shape.executors ?? [])};`,
    shape.waitMs === undefined ? `const noop = () => undefined;` : `const noop = () => new Promise((resolve) => setTimeout(resolve, ${shape.waitMs}));`,
    `const make = (id, i) => {`,
    `  const o = executors.length ? { ...options, executor: executors[i % executors.length] } : options;`,
    shape.kind === "bash" ? `  return d.bash(id, "true", o);` : `  return d.fn(id, noop, o);`,
    `};`,
    `void chain;`,
  ].join("\n");
}

/** `n` tasks, each downstream of the one before. */
export function chainDag(dagId: string, n: number, shape: TaskShape): string {
  return `${header(dagId, shape)}
const tasks = [];
for (let i = 0; i < ${n}; i++) tasks.push(make("t" + String(i).padStart(6, "0"), i));
chain(...tasks);
export default d;
`;
}

/** `n` independent tasks. */
export function fanoutDag(dagId: string, n: number, shape: TaskShape): string {
  return `${header(dagId, shape)}
for (let i = 0; i < ${n}; i++) make("t" + String(i).padStart(6, "0"), i);
export default d;
`;
}

/**
 * `depth` layers of `width` tasks; task w of layer l depends on task w of layer l-1 (the shape of
 * a large backfill: many independent chains advanced layer by layer, no N×N edges).
 */
export function layeredDag(dagId: string, width: number, depth: number, shape: TaskShape): string {
  return `${header(dagId, shape)}
let previous = [];
for (let l = 0; l < ${depth}; l++) {
  const layer = [];
  for (let w = 0; w < ${width}; w++) {
    const t = make("l" + String(l).padStart(4, "0") + "_w" + String(w).padStart(6, "0"), l * ${width} + w);
    if (l > 0) previous[w].then(t);
    layer.push(t);
  }
  previous = layer;
}
export default d;
`;
}
