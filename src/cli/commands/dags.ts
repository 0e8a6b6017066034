import { Command } from "commander";
import { SwitchyardError } from "../../common/errors.js";
import { confOptions, parseDate, readConf } from "../arguments.js";
import { out, withStore } from "../context.js";
import { isoMs, outputOption, parseIntArg, render, type OutputFormat } from "../output.js";
import { dagsBackfillCommand } from "./dags-backfill.js";
import { dagsDeleteCommand } from "./dags-delete.js";
import { dagsNextExecutionCommand } from "./dags-next-execution.js";
import { dagsShowCommand } from "./dags-show.js";
import { dagsTestCommand } from "./dags-test.js";

interface OutputOpts {
  output: OutputFormat;
}

export function dagsCommand(): Command {
  const dags = new Command("dags").description("list, trigger, test, backfill, pause and inspect DAGs");

  dags
    .command("list")
    .description("parse the DAG folder and list its DAGs")
    .option("--tag <tag>", "only DAGs with this tag (repeat for any of several)", (v: string, prev: string[]) => [...prev, v], [] as string[])
    .addOption(outputOption())
    .action(async (opts: OutputOpts & { tag: string[] }) =>
      withStore(async ({ config, store }) => {
        const { syncDagsFolder } = await import("../../scheduler/dag-sync.js");
        const { listDags, parseSerializedDag } = await import("../../store/queries/dags.js");
        const bag = await syncDagsFolder(store, config);
        const rows = (await listDags(store.db)).filter((r) => opts.tag.length === 0 || parseSerializedDag(r).tags.some((t) => opts.tag.includes(t)));
        out(
          render(
            rows,
            [
              { header: "dag_id", value: (r) => r.dag_id },
              { header: "fileloc", value: (r) => r.fileloc },
              { header: "paused", value: (r) => (r.is_paused ? "yes" : "no") },
              { header: "schedule", value: (r) => r.schedule ?? "None" },
              { header: "next_run", value: (r) => isoMs(r.next_dagrun_at) },
              { header: "tasks", value: (r) => parseSerializedDag(r).tasks.length },
              { header: "tags", value: (r) => parseSerializedDag(r).tags.join(",") },
              { header: "description", value: (r) => r.description },
            ],
            opts.output,
            (r) => ({ dagId: r.dag_id, fileloc: r.fileloc, isPaused: r.is_paused === 1, schedule: r.schedule, nextDagrunAt: isoMs(r.next_dagrun_at), tasks: parseSerializedDag(r).tasks.length, tags: parseSerializedDag(r).tags, description: r.description }),
          ),
        );
        if (bag.errors.length && opts.output !== "json") {
          process.stderr.write(`${bag.errors.length} DAG file(s) failed to import: see \`switchyard dags list-import-errors\`\n`);
        }
      }),
    );

  dags
    .command("list-import-errors")
    .description("parse the DAG folder and list the files that failed, with why")
    .addOption(outputOption())
    .action(async (opts: OutputOpts) =>
      withStore(async ({ config, store }) => {
        const { syncDagsFolder } = await import("../../scheduler/dag-sync.js");
        const { listImportErrors } = await import("../../store/queries/dags.js");
        await syncDagsFolder(store, config);
        const rows = await listImportErrors(store.db);
        out(
          render(
            rows,
            [
              { header: "filename", value: (r) => r.filename },
              { header: "error", value: (r) => r.message },
            ],
            opts.output,
            (r) => ({ filename: r.filename, error: r.message, timestamp: isoMs(r.timestamp) }),
          ),
        );
      }),
    );

  const trigger = dags
    .command("trigger <dag_id>")
    .description("create a manual DAG run; the scheduler starts it")
    .option("-r, --run-id <run_id>", "id of the new run (default: manual__<now>)");
  for (const option of confOptions()) trigger.addOption(option);
  trigger
    .option("-l, --logical-date <date>", "logical date of the run, ISO-8601 (default: now)")
    .option("--no-parse", "do not re-parse the DAG folder first (use the DAG as last parsed)")
    .action(async (dagId: string, opts: { runId?: string; conf?: string; confFile?: string; logicalDate?: string; parse: boolean }) => {
      const conf = readConf(opts);
      const now = Date.now();
      const logicalDate = opts.logicalDate === undefined ? now : parseDate(opts.logicalDate, "--logical-date");
      if (opts.runId !== undefined && !/^[A-Za-z0-9_.:+-]{1,250}$/.test(opts.runId)) {
        throw new SwitchyardError("CLI_BAD_ARGUMENT", `--run-id '${opts.runId}' is not valid; use 1-250 characters from A-Z a-z 0-9 _ . : + -`);
      }
      await withStore(async ({ config, store }) => {
        const { parseExecutorNames } = await import("../../config/executor-names.js");
        const { executorResolver, manualRunId } = await import("../../scheduler/runs.js");
        const { createDagRun, RunType } = await import("../../store/queries/dag-runs.js");
        const { getDag, parseSerializedDag } = await import("../../store/queries/dags.js");
        if (opts.parse) {
          const { syncDagsFolder } = await import("../../scheduler/dag-sync.js");
          await syncDagsFolder(store, config);
        }
        const dagRow = await getDag(store.db, dagId);
        const dag = parseSerializedDag(dagRow);
        const run = await createDagRun(store.db, {
          dag,
          runId: opts.runId ?? manualRunId(logicalDate),
          runType: RunType.MANUAL,
          logicalDate,
          conf,
          now,
          resolveExecutor: executorResolver(parseExecutorNames(config.core.executor, config.home)),
          source: "cli",
        });
        const waits = dagRow.is_paused ? `DAG '${dagId}' is paused: the run waits until \`switchyard dags unpause ${dagId}\`` : "a running scheduler starts it";
        out(`created run ${run.run_id} of ${dagId} (queued; ${waits})`);
      });
    });

  for (const [name, paused] of [
    ["pause", true],
    ["unpause", false],
  ] as const) {
    dags
      .command(`${name} <dag_id>`)
      .description(paused ? "stop creating and starting runs of a DAG" : "resume a paused DAG")
      .action(async (dagId: string) =>
        withStore(async ({ store }) => {
          const { setDagPaused } = await import("../../store/queries/dags.js");
          await setDagPaused(store.db, dagId, paused);
          out(`${dagId} ${paused ? "paused" : "unpaused"}`);
        }),
      );
  }

  dags
    .command("list-runs <dag_id>")
    .description("list a DAG's runs, newest first")
    .option("--state <state>", "only runs in this state (queued, running, success, failed)")
    .addOption(outputOption())
    .action(async (dagId: string, opts: OutputOpts & { state?: string }) =>
      withStore(async ({ store }) => {
        const { listDagRuns } = await import("../../store/queries/dag-runs.js");
        const { getDag } = await import("../../store/queries/dags.js");
        await getDag(store.db, dagId);
        const rows = await listDagRuns(store.db, dagId, opts.state ? { state: opts.state } : {});
        out(
          render(
            rows,
            [
              { header: "run_id", value: (r) => r.run_id },
              { header: "state", value: (r) => r.state },
              { header: "run_type", value: (r) => r.run_type },
              { header: "logical_date", value: (r) => isoMs(r.logical_date) },
              { header: "start_date", value: (r) => isoMs(r.start_date) },
              { header: "end_date", value: (r) => isoMs(r.end_date) },
            ],
            opts.output,
            (r) => ({ dagId: r.dag_id, runId: r.run_id, state: r.state, runType: r.run_type, logicalDate: isoMs(r.logical_date), startDate: isoMs(r.start_date), endDate: isoMs(r.end_date), conf: JSON.parse(r.conf) }),
          ),
        );
      }),
    );

  dags
    .command("state <dag_id> <run_id>")
    .description("print the state of a DAG run")
    .action(async (dagId: string, runId: string) =>
      withStore(async ({ store }) => {
        const { getDagRun } = await import("../../store/queries/dag-runs.js");
        out((await getDagRun(store.db, dagId, runId)).state);
      }),
    );

  dags
    .command("explain-routing <dag_id>")
    .description("per task: the executor chosen and why, its queue, pool and priority weight, and what it waits for")
    .option("-r, --run-id <run_id>", "show the TI states and waiting reasons of this run (default: the latest run)")
    .addOption(outputOption())
    .action(async (dagId: string, opts: OutputOpts & { runId?: string }) =>
      withStore(async ({ config, store }) => {
        const { parseExecutorNames } = await import("../../config/executor-names.js");
        const { explainRouting } = await import("../../scheduler/routing.js");
        const { getDagRun, listDagRuns } = await import("../../store/queries/dag-runs.js");
        const { getDag, parseSerializedDag } = await import("../../store/queries/dags.js");
        const { listPools } = await import("../../store/queries/pools.js");
        const { listTaskInstances } = await import("../../store/queries/task-instances.js");
        const dag = parseSerializedDag(await getDag(store.db, dagId));
        const run = opts.runId ? await getDagRun(store.db, dagId, opts.runId) : (await listDagRuns(store.db, dagId, { limit: 1 }))[0];
        const tis = new Map(run ? (await listTaskInstances(store.db, Number(run.id))).map((t) => [t.task_id, t]) : []);
        const { hybridRoutes } = await import("../../executors/hybrid/sections.js");
        const names = parseExecutorNames(config.core.executor, config.home);
        const rows = explainRouting(dag, names, await listPools(store.db), tis, hybridRoutes(config, names));
        if (opts.output === "json") {
          out(JSON.stringify({ dagId, runId: run?.run_id ?? null, tasks: rows }, null, 2));
          return;
        }
        out(
          render(
            rows,
            [
              { header: "task_id", value: (r) => r.taskId },
              {
                header: "executor",
                value: (r) => (r.executorClass && r.executorClass !== r.executor ? `${r.executor} (${r.executorClass})` : r.executor) + (r.side ? ` ${r.side} side` : ""),
              },
              { header: "why", value: (r) => r.reason },
              { header: "queue", value: (r) => r.queue },
              { header: "pool", value: (r) => `${r.pool}${r.poolSlots !== 1 ? ` x${r.poolSlots}` : ""}` },
              { header: "priority", value: (r) => `${r.priorityWeight} (${r.weightRule})` },
              { header: run ? `state in ${run.run_id}` : "state", value: (r) => r.state ?? "" },
              { header: "waiting_for / problems", value: (r) => [r.waitingFor, ...r.problems.filter((p) => p !== r.waitingFor)].filter(Boolean).join("; ") },
            ],
            opts.output,
          ),
        );
      }),
    );

  dags
    .command("audit-log <dag_id>")
    .description("every state change and scheduler decision for a DAG's task instances, with reasons")
    .option("-r, --run-id <run_id>", "only this run")
    .option("-t, --task-id <task_id>", "only this task")
    .option("--limit <n>", "most rows", parseIntArg("--limit", 1), 1000)
    .addOption(outputOption())
    .action(async (dagId: string, opts: OutputOpts & { runId?: string; taskId?: string; limit: number }) =>
      withStore(async ({ store }) => {
        const { listAuditLogs } = await import("../../store/queries/audit.js");
        const rows = await listAuditLogs(store.db, { dagId, ...(opts.runId ? { runId: opts.runId } : {}), ...(opts.taskId ? { taskId: opts.taskId } : {}), limit: opts.limit });
        out(
          render(
            rows,
            [
              { header: "time", value: (r) => isoMs(r.ts) },
              { header: "run_id", value: (r) => r.run_id },
              { header: "task_id", value: (r) => r.task_id },
              { header: "try", value: (r) => r.try_number },
              { header: "event", value: (r) => r.event },
              { header: "from", value: (r) => r.from_state },
              { header: "to", value: (r) => r.to_state },
              { header: "reason", value: (r) => r.reason },
              { header: "source", value: (r) => r.source },
            ],
            opts.output,
            (r) => ({ time: isoMs(r.ts), dagId: r.dag_id, runId: r.run_id, taskId: r.task_id, mapIndex: r.map_index, tryNumber: r.try_number, event: r.event, fromState: r.from_state, toState: r.to_state, reason: r.reason, source: r.source }),
          ),
        );
      }),
    );
  for (const cmd of [dagsTestCommand(), dagsBackfillCommand(), dagsDeleteCommand(), dagsShowCommand(), dagsNextExecutionCommand()]) dags.addCommand(cmd);
  return dags;
}
