import fs from "node:fs";
import { Command } from "commander";
import { SwitchyardError } from "../../common/errors.js";
import { TaskState } from "../../common/states.js";
import type { TaskInstanceRow } from "../../store/schema.js";
import { cliConfig, out, withStore } from "../context.js";
import { isoMs, outputOption, parseIntArg, render, type OutputFormat } from "../output.js";
import { tasksClearCommand } from "./tasks-clear.js";
import { tasksListCommand } from "./tasks-list.js";
import { tasksTestCommand } from "./tasks-test.js";

/** The JSON shape of one TI in `tasks states-for-dag-run -o json` (a contract: see DESIGN). */
export function tiJson(ti: TaskInstanceRow) {
  return {
    taskId: ti.task_id,
    mapIndex: ti.map_index,
    state: ti.state,
    executor: ti.executor,
    queue: ti.queue,
    pool: ti.pool,
    poolSlots: ti.pool_slots,
    priorityWeight: ti.priority_weight,
    tryNumber: ti.try_number,
    maxTries: ti.max_tries,
    startDate: isoMs(ti.start_date),
    endDate: isoMs(ti.end_date),
    duration: ti.duration,
    hostname: ti.hostname,
    worker: ti.worker,
    pid: ti.pid,
    pendingReason: ti.pending_reason,
  };
}

export function tasksCommand(): Command {
  const tasks = new Command("tasks").description("run, test, clear and list tasks; show task states and logs");

  tasks
    .command("run <dag_id> <task_id> <run_id>")
    .description("run one try of a task instance in this process and record it (exit 1 if the try fails)")
    .option("--try <n>", "run this queued try (as an executor's worker does) instead of starting a new one", parseIntArg("--try", 1))
    .option("--map-index <n>", "map index of the task instance", parseIntArg("--map-index", -1), -1)
    .option("-f, --force", "start a new try even if the task instance already succeeded or was skipped")
    .option("-i, --ignore-dependencies", "start a new try even if the task's trigger rule is not met by its upstream tasks")
    .option(
      "--workload <json>",
      "run the try this workload (JSON) describes without opening the metadata database, log to stdout, exit 0/1: what a KubernetesExecutor's pod runs",
    )
    .action(async (dagId: string, taskId: string, runId: string, opts: { try?: number; mapIndex: number; force?: boolean; ignoreDependencies?: boolean; workload?: string }) => {
      if (opts.workload !== undefined) {
        if (opts.try === undefined) throw new SwitchyardError("BAD_WORKLOAD", "--workload needs --try: the try number the workload is for");
        if (opts.force || opts.ignoreDependencies) throw new SwitchyardError("BAD_WORKLOAD", "--workload runs the given try as it is; --force and --ignore-dependencies do not apply");
        const config = await cliConfig();
        const { runPodTry } = await import("../../worker/pod-try.js");
        const abort = new AbortController();
        const onSignal = () => abort.abort();
        process.once("SIGTERM", onSignal);
        process.once("SIGINT", onSignal);
        try {
          const key = { dagId, taskId, runId, mapIndex: opts.mapIndex, tryNumber: opts.try };
          if (!(await runPodTry(config, opts.workload, key, abort.signal))) process.exitCode = 1;
        } finally {
          process.off("SIGTERM", onSignal);
          process.off("SIGINT", onSignal);
        }
        return;
      }
      return withStore(async ({ config, store }) => {
        const { runManualTry } = await import("../../scheduler/manual-try.js");
        const abort = new AbortController();
        const onSignal = () => abort.abort();
        process.once("SIGTERM", onSignal);
        process.once("SIGINT", onSignal);
        try {
          const result = await runManualTry(store, config, { dagId, taskId, runId, mapIndex: opts.mapIndex }, {
            ...(opts.try !== undefined ? { tryNumber: opts.try } : {}),
            ...(opts.force ? { force: true } : {}),
            ...(opts.ignoreDependencies ? { ignoreDependencies: true } : {}),
            signal: abort.signal,
          });
          out(`${dagId}.${taskId} try ${result.key.tryNumber}: ${result.outcome.state}${result.outcome.info.error ? ` (${result.outcome.info.error})` : ""}; task instance is now ${result.finalState}`);
          if (result.outcome.state === "success" && result.finalState !== "success") {
            process.stderr.write(`error: the try succeeded but its report was rejected: the task instance had already become ${result.finalState} (see \`switchyard dags audit-log ${dagId} --task-id ${taskId}\`)\n`);
          }
          if (result.outcome.state !== "success" || result.finalState !== "success") process.exitCode = 1;
        } finally {
          process.off("SIGTERM", onSignal);
          process.off("SIGINT", onSignal);
        }
      });
    });

  tasks
    .command("states-for-dag-run <dag_id> <run_id>")
    .description("the state of every task instance of a run, with its executor, pool and tries")
    .addOption(outputOption())
    .action(async (dagId: string, runId: string, opts: { output: OutputFormat }) =>
      withStore(async ({ store }) => {
        const { getDagRun } = await import("../../store/queries/dag-runs.js");
        const { listTaskInstances } = await import("../../store/queries/task-instances.js");
        const run = await getDagRun(store.db, dagId, runId);
        const rows = await listTaskInstances(store.db, Number(run.id));
        out(
          render(
            rows,
            [
              { header: "task_id", value: (r) => r.task_id },
              { header: "state", value: (r) => r.state },
              { header: "executor", value: (r) => r.executor },
              { header: "try", value: (r) => r.try_number },
              { header: "queue", value: (r) => r.queue },
              { header: "pool", value: (r) => r.pool },
              { header: "priority", value: (r) => r.priority_weight },
              { header: "start_date", value: (r) => isoMs(r.start_date) },
              { header: "duration_s", value: (r) => (r.duration === null ? null : r.duration.toFixed(3)) },
              { header: "hostname", value: (r) => r.hostname },
              { header: "worker", value: (r) => r.worker },
              { header: "waiting_for", value: (r) => r.pending_reason },
            ],
            opts.output,
            tiJson,
          ),
        );
      }),
    );

  tasks
    .command("logs <dag_id> <task_id> <run_id>")
    .description("print the log of a try (default: the latest), streamed from its file, or from the executor that ran it on another host (a fleet worker)")
    .option("--try <n>", "which try", parseIntArg("--try", 1))
    .option("--map-index <n>", "map index of the task instance", parseIntArg("--map-index", -1), -1)
    .option("-n, --tail <lines>", "only the last N lines", parseIntArg("--tail", 0))
    .option("-f, --follow", "keep printing what the try writes until it ends")
    .action(async (dagId: string, taskId: string, runId: string, opts: { try?: number; mapIndex: number; tail?: number; follow?: boolean }) =>
      withStore(async ({ store, config }) => {
        const { listTaskLogs, requireTaskInstance } = await import("../../store/queries/task-instances.js");
        const id = { dagId, taskId, runId, mapIndex: opts.mapIndex };
        const ti = await requireTaskInstance(store.db, id);
        const logs = await listTaskLogs(store.db, id);
        if (logs.length === 0) throw new SwitchyardError("NO_LOG", `${dagId}.${taskId} in run ${runId} has not run yet: no log`);
        const wanted = opts.try === undefined ? logs.at(-1)! : logs.find((l) => l.try_number === opts.try);
        if (!wanted) {
          throw new SwitchyardError("NO_LOG", `${dagId}.${taskId} in run ${runId} has no log for try ${opts.try}; tries with logs: ${logs.map((l) => l.try_number).join(", ")}`);
        }
        // Over once the TI has moved on from this try (or never will write to it again).
        const isOver = (ti: TaskInstanceRow) => !(ti.try_number === wanted.try_number && (ti.state === TaskState.QUEUED || ti.state === TaskState.RUNNING));
        const follow = {
          done: async () => isOver(await requireTaskInstance(store.db, id)),
          watch: (wake: () => void) => store.watchCommits(wake),
        };
        const tailAndFollow = { ...(opts.tail !== undefined ? { tail: opts.tail } : {}), ...(opts.follow ? { follow } : {}) };
        if (!fs.existsSync(wanted.path)) {
          // The try ran on another host (a fleet worker): its executor has the log.
          const { printExecutorLog } = await import("../executor-log.js");
          const key = { ...id, tryNumber: wanted.try_number };
          const ref = { state: ti.state, externalExecutorId: ti.external_executor_id, queue: ti.queue, pid: ti.pid, hostname: ti.hostname };
          await printExecutorLog({ config, executor: wanted.executor, key, ti: ref, missingFile: wanted.path, over: isOver(ti), ...tailAndFollow }, process.stdout, process.stderr);
          return;
        }
        const { streamLog } = await import("../log-stream.js");
        await streamLog(wanted.path, process.stdout, tailAndFollow);
      }),
    );
  for (const cmd of [tasksTestCommand(), tasksClearCommand(), tasksListCommand()]) tasks.addCommand(cmd);
  return tasks;
}
