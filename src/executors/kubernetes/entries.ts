import { SwitchyardError } from "../../common/errors.js";
import { parseExecutorNames, type ExecutorName } from "../../config/executor-names.js";
import type { SwitchyardConfig } from "../../config/types.js";

/**
 * The KubernetesExecutor entry of `[core] executor` a command works on: the one `--executor`
 * names, else the one `preferred` names (a task's executor) when it is one, else the first.
 * Throws, naming what is configured, when there is none or the name is not one.
 */
export function kubernetesEntry(config: SwitchyardConfig, wanted: string | undefined, preferred: string | null = null): ExecutorName {
  const names = parseExecutorNames(config.core.executor, config.home);
  const kube = names.filter((n) => n.modulePath === null && n.className === "KubernetesExecutor");
  const listed = kube.map((n) => n.name).join(", ") || "none";
  if (wanted !== undefined) {
    const match = kube.find((n) => n.name === wanted);
    if (match !== undefined) return match;
    const other = names.find((n) => n.name === wanted);
    const why = other !== undefined ? `is a ${other.className}, not a KubernetesExecutor` : "is not an entry of [core] executor";
    throw new SwitchyardError("NOT_A_KUBERNETES_EXECUTOR", `--executor ${JSON.stringify(wanted)} ${why}; KubernetesExecutors configured: ${listed}`);
  }
  if (kube.length === 0) {
    throw new SwitchyardError(
      "NO_KUBERNETES_EXECUTOR",
      `[core] executor = ${JSON.stringify(config.core.executor.join(","))} has no KubernetesExecutor; add one (e.g. executor = "LocalExecutor,k8s:KubernetesExecutor") with its [executors.k8s] section`,
    );
  }
  return kube.find((n) => preferred !== null && (n.name === preferred || n.raw === preferred)) ?? kube[0]!;
}
