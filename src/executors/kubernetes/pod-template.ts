import { readFileSync } from "node:fs";
import { loadYaml } from "@kubernetes/client-node";
import { errorLine } from "../../common/errors.js";
import { PodTemplateError } from "./errors.js";
import { podProblem } from "./pod-spec.js";

/** The pod template file parsed (YAML, of which JSON is a part) and checked; throws PodTemplateError naming the file and field. */
export function loadPodTemplate(file: string, executor: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new PodTemplateError(file, `[executors.${executor}] pod_template_file: cannot read ${file}: ${errorLine(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = loadYaml<unknown>(text);
  } catch (error) {
    throw new PodTemplateError(file, `[executors.${executor}] pod_template_file ${file}: not YAML or JSON: ${errorLine(error)}`);
  }
  const problem = podProblem(parsed, file);
  if (problem !== null) throw new PodTemplateError(file, `[executors.${executor}] pod_template_file: ${problem}`);
  return parsed as Record<string, unknown>;
}
