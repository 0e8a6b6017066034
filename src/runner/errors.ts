import { SwitchyardError } from "../common/errors.js";

/** A workload names a DAG or task that its DAG file does not define (any more). */
export class TaskNotFoundError extends SwitchyardError {
  declare readonly code: "TASK_NOT_FOUND";
  readonly dagFile: string;
  readonly dagId: string;
  readonly taskId: string;
  constructor(message: string, context: { dagFile: string; dagId: string; taskId: string }) {
    super("TASK_NOT_FOUND", message);
    this.dagFile = context.dagFile;
    this.dagId = context.dagId;
    this.taskId = context.taskId;
  }
}

/** The DAG file of a workload could not be imported in the runner. */
export class DagFileLoadError extends SwitchyardError {
  declare readonly code: "DAG_FILE_LOAD";
  readonly dagFile: string;
  constructor(dagFile: string, cause: unknown, detail: string) {
    super("DAG_FILE_LOAD", `could not load DAG file ${dagFile}: ${detail}`, { cause });
    this.dagFile = dagFile;
  }
}

/** A message on the runner IPC channel does not match the protocol. */
export class RunnerProtocolError extends SwitchyardError {
  declare readonly code: "RUNNER_PROTOCOL";
  constructor(message: string) {
    super("RUNNER_PROTOCOL", message);
  }
}

/** Why a try was stopped before it finished: its timeout passed, or someone asked to kill it. */
export class TryStoppedError extends SwitchyardError {
  declare readonly code: "TRY_STOPPED";
  readonly timedOut: boolean;
  constructor(message: string, timedOut: boolean) {
    super("TRY_STOPPED", message);
    this.timedOut = timedOut;
  }
}

/** An fn task called process.exit in a runner that other tries share: its try fails instead. */
export class TaskExitError extends SwitchyardError {
  declare readonly code: "TASK_EXIT";
  readonly exitCode: string;
  constructor(exitCode: string) {
    super(
      "TASK_EXIT",
      `the task called process.exit(${exitCode}), which would kill the runner other tries share; fail the task by throwing instead`,
    );
    this.exitCode = exitCode;
  }
}
