/**
 * `node --import tsx bench/profile-summary.ts <file.cpuprofile> [top]`: the top functions of a V8
 * CPU profile by self time, then Switchyard's own functions by inclusive time (where the time
 * goes, by caller). Profiles come from SWITCHYARD_BENCH_PROFILE=<dir> npm run bench -- <scenario> (the
 * scheduler; in the fleet scenario also each worker and its runners, under worker-<name>/),
 * or `node --cpu-prof --cpu-prof-dir=<dir> dist/cli/main.js scheduler --exit-when-idle`.
 */
import fs from "node:fs";
import { table } from "./lib/report.js";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url === "" ? "" : url.replace(/^.*\/(dist|src|node_modules)\//, "$1/").replace(/^node:/, "");
  return `${functionName || "(anonymous)"}${file ? ` ${file}:${lineNumber + 1}` : ""}`;
}

export function summarise(profile: Profile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    total += dt;
  });
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const name = frameName(byId.get(id)!);
    self.set(name, (self.get(name) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at)!;
      if (!/\/(dist|src)\/(scheduler|store|executors|runner|dag|cli)\//.test(node.callFrame.url)) continue;
      const key = frameName(node);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const rows = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => [`${((100 * us) / total).toFixed(1)}%`, `${(us / 1000).toFixed(0)} ms`, name]);
  return [
    `total ${(total / 1e6).toFixed(2)} s sampled`,
    "",
    "self time",
    table(["share", "time", "function"], rows(self)),
    "",
    "inclusive time, Switchyard functions",
    table(["share", "time", "function"], rows(inclusive)),
  ].join("\n");
}

const [file, top] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write("usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top=25]\n");
  process.exit(2);
}
process.stdout.write(`${summarise(JSON.parse(fs.readFileSync(file, "utf8")) as Profile, Number(top ?? 25))}\n`);
