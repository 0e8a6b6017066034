import { SwitchyardError } from "../common/errors.js";

/** Thrown by the builders (`dag()`, `d.bash()`, `a.then(b)`, …) at the line that defines something invalid. */
export class DagDefinitionError extends SwitchyardError {
  declare readonly code: "DAG_DEFINITION";
  readonly dagId: string | null;
  readonly taskId: string | null;
  constructor(message: string, context: { dagId?: string | null; taskId?: string | null } = {}) {
    super("DAG_DEFINITION", message);
    this.dagId = context.dagId ?? null;
    this.taskId = context.taskId ?? null;
  }
}

/** Thrown when a loaded DAG cannot be serialized: cycle, unknown executor, bad schedule or limits. */
export class DagValidationError extends SwitchyardError {
  declare readonly code: "DAG_VALIDATION";
  readonly dagId: string;
  readonly file: string | null;
  /** Each problem on its own line; `message` joins them. */
  readonly problems: readonly string[];
  constructor(dagId: string, file: string | null, problems: readonly string[]) {
    super("DAG_VALIDATION", problems.join("\n"));
    this.dagId = dagId;
    this.file = file;
    this.problems = problems;
  }
}

/** Thrown when the DAG loader cannot be set up (not for errors inside DAG files: those become import errors). */
export class DagLoaderError extends SwitchyardError {
  declare readonly code: "DAG_LOADER";
  constructor(message: string, options?: { cause?: unknown }) {
    super("DAG_LOADER", message, options);
  }
}

/** Thrown by the tick functions when given a schedule that validation would have rejected. */
export class InvalidScheduleError extends SwitchyardError {
  declare readonly code: "INVALID_SCHEDULE";
  readonly schedule: string;
  constructor(schedule: string, problem: string) {
    super("INVALID_SCHEDULE", problem);
    this.schedule = schedule;
  }
}
