/**
 * trybash: what a bash try's processes cost beyond the bare process (issue 12 item 2), measured
 * where load disturbs least: CPU time per try. `bash -c true` as the floor spawns it, and the
 * same command through the runner's own startBash (the guard shell, its watcher, the task's
 * bash, the output pipe, the group kill at its end), one after the other in this process, so that
 * both see the same load. The log, DAG and reports of a whole try are in peers' per-try overhead.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { bashTrue } from "./lib/bash-true.mjs";
import { ROOT } from "./lib/paths.js";
import { waitedChildrenCpuSeconds } from "./lib/procfs.js";
import { step } from "./lib/progress.js";
import type { Figure, ScenarioResult } from "./lib/report.js";
import { fmt, percentile } from "./lib/stats.js";
import type { startBash as StartBashFn } from "../src/runner/run-bash.js";

const TRIES = Number(process.env.SWITCHYARD_BENCH_TRYBASH_TRIES ?? 300);

interface Cost {
  readonly wall: number[];
  self: number;
  children: number;
}

async function measure(cost: Cost, run: () => Promise<unknown>): Promise<void> {
  const cpu0 = process.cpuUsage();
  const children0 = waitedChildrenCpuSeconds();
  const t0 = performance.now();
  await run();
  cost.wall.push(performance.now() - t0);
  const cpu = process.cpuUsage(cpu0);
  cost.self += (cpu.user + cpu.system) / 1000;
  cost.children += (waitedChildrenCpuSeconds() - children0) * 1000;
}

export async function trybash(): Promise<ScenarioResult> {
  if (!Number.isInteger(TRIES) || TRIES < 1) throw new Error(`SWITCHYARD_BENCH_TRYBASH_TRIES takes a whole number >= 1, not ${process.env.SWITCHYARD_BENCH_TRYBASH_TRIES}`);
  const { startBash } = (await import(pathToFileURL(path.join(ROOT, "dist", "runner", "run-bash.js")).href)) as { startBash: typeof StartBashFn };
  const env = { ...process.env };
  const discard = { write: () => {} };
  const floor: Cost = { wall: [], self: 0, children: 0 };
  const mine: Cost = { wall: [], self: 0, children: 0 };
  step(`trybash: ${TRIES} \`bash -c true\` spawned bare and ${TRIES} through the runner's startBash, alternately`);
  for (let i = 0; i < TRIES; i++) {
    await measure(floor, bashTrue);
    await measure(mine, async () => (await startBash("true", env, discard)).exited);
  }
  const per = (c: Cost) => ({ p50: percentile(c.wall, 0.5), self: c.self / TRIES, children: c.children / TRIES });
  const f = per(floor);
  const m = per(mine);
  const figures: Figure[] = [
    { name: "CPU per try, this process (spawn, pipes, group kill)", unit: "ms", value: m.self, floor: f.self },
    { name: "CPU per try, the processes it waited for (guard and task bash; floor: bash)", unit: "ms", value: m.children, floor: f.children },
    { name: "CPU per try, both", unit: "ms", value: m.self + m.children, floor: f.self + f.children },
    { name: "CPU per try beyond the floor's", unit: "ms", value: m.self + m.children - f.self - f.children },
    { name: "start→exit p50 (wall, load-sensitive)", unit: "ms", value: m.p50, floor: f.p50 },
  ];
  return {
    scenario: "trybash",
    title: `a bash try's processes beside the bare process, ${TRIES} each, alternately`,
    notes: [
      "floor: this process spawning `bash -c true` (output ignored) until its exit event; Switchyard: startBash(\"true\") from dist (guard /bin/sh in a process group of its own, its watcher, the task's `bash -c true`, output through a pipe, the group killed at the end) until its exit and output are done",
      "CPU: this process's (process.cpuUsage) and that of the processes it waited for (/proc/self/stat cutime + cstime: the guard and, through it, the task's bash). The guard's watcher is reaped by init, so its CPU (a fork of /bin/sh that reads a pipe) is not counted",
      `per-try CPU in ms; floor ratio is Switchyard / floor. p50 wall: Switchyard ${fmt(m.p50)} ms, floor ${fmt(f.p50)} ms`,
    ],
    figures,
  };
}
