import { Command, Option } from "commander";
import { SwitchyardError } from "../../common/errors.js";
import { cliConfig, out } from "../context.js";

const EXECUTOR_HELP = "the KubernetesExecutor entry of [core] executor (default: the task's, else the first)";

/** `switchyard kubernetes`: the KubernetesExecutor's commands. Neither opens the metadata database. */
export function kubernetesCommand(): Command {
  const kube = new Command("kubernetes").description("the KubernetesExecutor's pods: print the pod a task would get, delete finished pods");

  kube
    .command("generate-pod <dag_id> <task_id>")
    .description("print the pod a try of the task would get (template, image, podOverride, labels, command), from a fresh parse of its DAG; no API call")
    .addOption(new Option("-o, --output <format>", "yaml or json").choices(["yaml", "json"]).default("yaml"))
    .option("--executor <name>", EXECUTOR_HELP)
    .action(async (dagId: string, taskId: string, opts: { output: "yaml" | "json"; executor?: string }) => {
      const config = await cliConfig();
      const { generatePod } = await import("../../executors/kubernetes/commands.js");
      out(await generatePod(config, dagId, taskId, { output: opts.output, ...(opts.executor !== undefined ? { executor: opts.executor } : {}) }));
    });

  kube
    .command("cleanup-pods")
    .description("delete the finished (Succeeded or Failed) pods of this deployment's KubernetesExecutor, and print how many")
    .option("--executor <name>", "the KubernetesExecutor entry of [core] executor (default: the first)")
    .option("--namespace <ns>", "namespace to clean (default: the executor's)")
    .action(async (opts: { executor?: string; namespace?: string }) => {
      const config = await cliConfig();
      const { cleanupPods } = await import("../../executors/kubernetes/commands.js");
      const r = await cleanupPods(config, opts);
      out(`deleted ${r.deleted} finished pod(s) in namespace ${r.namespace}`);
      if (r.failures.length > 0) throw new SwitchyardError("K8S_CLEANUP", `could not delete ${r.failures.length} pod(s): ${r.failures.join("; ")}`);
    });
  return kube;
}
