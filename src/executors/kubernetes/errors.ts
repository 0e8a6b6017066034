import { SwitchyardError } from "../../common/errors.js";

/** A pod template or a task's podOverride that would not make a valid pod: the try fails, nothing is sent. */
export class InvalidPodSpecError extends SwitchyardError {
  constructor(
    readonly source: string,
    message: string,
  ) {
    super("K8S_INVALID_POD", message);
  }
}

/** The pod template file cannot be read or parsed. */
export class PodTemplateError extends SwitchyardError {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super("K8S_POD_TEMPLATE", message);
  }
}
