/**
 * Every code snippet in README.md and docs/ works as the page shows it. The convention (also in
 * test/docs/README.md):
 *
 * - ```ts blocks are whole DAG files: each type-checks against `@switchyard/core`, is written into
 *   a fresh home's dags folder, parsed (no import error), every DAG it defines is triggered,
 *   `scheduler --exit-when-idle` runs, and the run must end `success`.
 * - ```toml blocks are whole switchyard.toml files: `config list` must accept each.
 * - ```sh blocks: every `switchyard …` line must name a command, options and a number of
 *   arguments the CLI has (checked against the CLI's own parser; nothing is run).
 * - A DAG runs with the default configuration, unless a toml block on the same page is marked
 *   `<!-- snippet: config for dag <dag_id>[, <dag_id>…] -->`: then it runs with that one.
 * - Markers are HTML comments on the last non-blank line before the fence:
 *   `<!-- snippet: fragment -->` (part of a file, shown for reading: not run),
 *   `<!-- snippet: module -->` (a whole ES module that is not a DAG file: type-checked only),
 *   `<!-- snippet: skip: <reason> -->` (not run, for the reason given),
 *   `<!-- snippet: config for dag … -->` (above), `<!-- snippet: run ends <state> -->` (a DAG
 *   whose run ends in another state than success, on purpose).
 * Skipped blocks are printed with their reason. Failures name the page, the block's line and why.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { buildProgram } from "../../src/cli/program.js";
import { Home } from "../support/home.js";
import { invocationProblem, switchyardInvocations } from "./cli-lines.js";
import { docPages, fencedBlocks, type Block } from "./markdown.js";
import { typeErrors } from "./typecheck.js";

const CONVENTION = "see test/docs/README.md for the snippet markers";
const LANGS = { ts: "ts", typescript: "ts", toml: "toml", sh: "sh", bash: "sh", shell: "sh" } as const;
type Kind = (typeof LANGS)[keyof typeof LANGS];

type Role =
  | { kind: "skip"; reason: string }
  | { kind: "dag"; endState: string }
  | { kind: "config"; forDags: string[] }
  | { kind: "commands" }
  | { kind: "module" }
  | { kind: "bad"; why: string };

function roleOf(block: Block, kind: Kind): Role {
  const m = block.marker;
  if (m === null) return kind === "ts" ? { kind: "dag", endState: "success" } : kind === "toml" ? { kind: "config", forDags: [] } : { kind: "commands" };
  if (m === "fragment") return { kind: "skip", reason: "a fragment, not a whole file" };
  const skip = /^skip:\s*(.+)$/.exec(m);
  if (skip) return { kind: "skip", reason: skip[1]! };
  const config = /^config for dags?\s+(.+)$/.exec(m);
  if (config && kind === "toml") return { kind: "config", forDags: config[1]!.split(/[\s,]+/).filter(Boolean) };
  if (m === "module" && kind === "ts") return { kind: "module" };
  const ends = /^run ends (\w+)$/.exec(m);
  if (ends && kind === "ts") return { kind: "dag", endState: ends[1]! };
  return { kind: "bad", why: `unknown snippet marker "${m}" on a ${kind} block; ${CONVENTION}` };
}

/** The DAG ids a DAG file defines, as written: `dag("etl", …)`. */
function dagIds(code: string): string[] {
  return [...code.matchAll(/\bdag\(\s*(["'`])([^"'`]+)\1/g)].map((m) => m[2]!);
}

interface Snippet {
  block: Block;
  role: Role;
}

const pages = docPages().map((page) => ({
  page,
  snippets: fencedBlocks(page)
    .filter((b) => b.lang in LANGS)
    .map((block): Snippet => ({ block, role: roleOf(block, LANGS[block.lang as keyof typeof LANGS]) })),
}));

const homes: Home[] = [];
after(() => homes.forEach((h) => h.cleanup()));
function home(opts: ConstructorParameters<typeof Home>[0]): Home {
  const h = new Home(opts);
  homes.push(h);
  return h;
}

describe("doc snippets", () => {
  it("every snippet marker is a known one", () => {
    const bad = pages.flatMap(({ snippets }) => snippets.flatMap((s) => (s.role.kind === "bad" ? [`${s.block.where}: ${s.role.why}`] : [])));
    assert.deepEqual(bad, []);
  });

  it("every whole-file ts snippet (DAG file or module) type-checks against @switchyard/core", () => {
    const whole = pages.flatMap(({ snippets }) => snippets.filter((s) => s.role.kind === "dag" || s.role.kind === "module").map((s) => s.block));
    assert.deepEqual(typeErrors(whole), []);
  });

  for (const { page, snippets } of pages) {
    const skipped = snippets.filter((s) => s.role.kind === "skip");
    const configs = snippets.filter((s): s is Snippet & { role: { kind: "config" } } => s.role.kind === "config");
    const dagBlocks = snippets.filter((s): s is Snippet & { role: { kind: "dag" } } => s.role.kind === "dag");
    const commands = snippets.filter((s) => s.role.kind === "commands");
    if (snippets.length === 0) continue;

    describe(page.name, () => {
      for (const s of skipped) it(`${s.block.where} (${s.block.lang})`, (t) => t.skip((s.role as { reason: string }).reason));

      if (configs.length > 0) {
        it(`its ${configs.length} switchyard.toml snippet(s) load`, async () => {
          const problems: string[] = [];
          for (const { block } of configs) {
            const h = home({ toml: block.code });
            const r = await h.run(["config", "list"]);
            if (r.code !== 0) problems.push(`${block.where}: \`switchyard config list\` refuses this switchyard.toml: ${r.stderr.trim()}`);
          }
          assert.deepEqual(problems, []);
        });
      }

      if (commands.length > 0) {
        it("its switchyard command lines name commands, options and arguments that exist", () => {
          const program = buildProgram("0.0.0");
          const problems: string[] = [];
          for (const { block } of commands) {
            for (const { args, offset } of switchyardInvocations(block.code)) {
              const why = invocationProblem(program, args);
              if (why !== null) problems.push(`${block.page.name}:${block.line + 1 + offset}: switchyard ${args.join(" ")}: ${why}`);
            }
          }
          assert.deepEqual(problems, []);
        });
      }

      if (dagBlocks.length > 0) {
        it(`its ${dagBlocks.length} DAG file snippet(s) parse and run to the state the page says`, async () => {
          const problems: string[] = [];
          for (const group of groupByHome(dagBlocks, configs)) problems.push(...(await runGroup(group)));
          assert.deepEqual(problems, []);
        });
      }
    });
  }
});

interface Group {
  config: Block | null;
  dags: Array<{ block: Block; endState: string; ids: string[] }>;
}

/** DAG snippets that share a configuration share a home, unless two define the same DAG id. */
function groupByHome(dagBlocks: ReadonlyArray<Snippet & { role: { kind: "dag" } }>, configs: ReadonlyArray<Snippet & { role: { kind: "config" } }>): Group[] {
  const groups: Group[] = [];
  for (const { block, role } of dagBlocks) {
    const ids = dagIds(block.code);
    const config = configs.find((c) => c.role.forDags.some((id) => ids.includes(id)))?.block ?? null;
    let group = groups.find((g) => g.config === config && !g.dags.some((d) => d.ids.some((id) => ids.includes(id))));
    if (!group) groups.push((group = { config, dags: [] }));
    group.dags.push({ block, endState: role.endState, ids });
  }
  return groups;
}

function fileName(block: Block): string {
  return `${block.page.name.replace(/[^A-Za-z0-9]+/g, "_")}_line${block.line}.ts`;
}

/** One home: parse, trigger every DAG, run the scheduler until idle, compare each run's state. Returns the problems. */
async function runGroup(group: Group): Promise<string[]> {
  const problems: string[] = [];
  const files = group.dags.filter((d) => {
    if (d.ids.length > 0) return true;
    problems.push(`${d.block.where}: a ts block that defines no dag("…"): mark it <!-- snippet: fragment --> if it is part of a file; ${CONVENTION}`);
    return false;
  });
  if (files.length === 0) return problems;
  const h = home({ ...(group.config ? { toml: group.config.code } : {}), dags: Object.fromEntries(files.map((d) => [fileName(d.block), d.block.code])) });
  const withConfig = group.config ? ` (with the switchyard.toml of ${group.config.where})` : " (with the default configuration)";
  await h.ok(["db", "init"]);
  const errors = await h.json<Array<{ filename: string; error: string }>>(["dags", "list-import-errors"]);
  const runs: Array<{ where: string; id: string; endState: string }> = [];
  for (const d of files) {
    const error = errors.find((e) => e.filename.endsWith(fileName(d.block)));
    if (error) {
      problems.push(`${d.block.where}: the DAG file does not import${withConfig}: ${error.error}`);
      continue;
    }
    for (const id of d.ids) {
      const trigger = await h.run(["dags", "trigger", id, "--run-id", "snippet", "--no-parse"]);
      if (trigger.code !== 0) problems.push(`${d.block.where}: \`dags trigger ${id}\` failed${withConfig}: ${trigger.stderr.trim()}`);
      else runs.push({ where: d.block.where, id, endState: d.endState });
    }
  }
  if (runs.length > 0) await h.runSchedulersUntilIdle();
  for (const run of runs) {
    const state = (await h.ok(["dags", "state", run.id, "snippet"])).trim();
    if (state === run.endState) continue;
    const tis = (await h.states(run.id, "snippet")).map((t) => `${t.taskId}=${t.state}${t.executor ? ` on ${t.executor}` : ""}`).join(", ");
    problems.push(`${run.where}: DAG '${run.id}' ran${withConfig} and ended ${state}, but the page expects ${run.endState}; tasks: ${tis}`);
  }
  return problems;
}
