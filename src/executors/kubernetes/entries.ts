import { SwitchyardError } from "../../common/errors.js";
import { parseExecutorNames, type ExecutorName } from "../../config/executor-names.js";
import type { SwitchyardConfig } from "../../config/types.js";
import { hybridOf } from "../hybrid/options.js";
import { sideSection } from "../hybrid/sections.js";

/** A KubernetesExecutor a command works on: its name (a hybrid's side is `<hybrid>.kubernetes`) and its raw section. */
export interface KubernetesTarget {
  readonly name: ExecutorName;
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * The KubernetesExecutor entry of `[core] executor` a command works on: the one `--executor`
 * names, else the one `preferred` names (a task's executor) when it is one, else the first.
 * Throws, naming what is configured, when there is none or the name is not one.
 */
export function kubernetesEntry(config: SwitchyardConfig, wanted: string | undefined, preferred: string | null = null): ExecutorName {
  return kubernetesTarget(config, wanted, preferred).name;
}

/**
 * As kubernetesEntry, with the section: a LocalKubernetesExecutor's or BullMQKubernetesExecutor's
 * Kubernetes side counts as a KubernetesExecutor, named by the hybrid's own name, its options
 * read from `[executors.<hybrid>.kubernetes]`.
 */
export function kubernetesTarget(config: SwitchyardConfig, wanted: string | undefined, preferred: string | null = null): KubernetesTarget {
  const names = parseExecutorNames(config.core.executor, config.home);
  const kube = names.filter((n) => n.modulePath === null && (n.className === "KubernetesExecutor" || hybridOf(n.className) !== undefined));
  const listed = kube.map((n) => n.name).join(", ") || "none";
  const target = (n: ExecutorName): KubernetesTarget => {
    if (n.className === "KubernetesExecutor") return { name: n, options: config.executors[n.name] ?? {} };
    const side = sideSection(config, names, n.name, "KubernetesExecutor");
    return { name: { ...n, alias: null, className: "KubernetesExecutor", name: side.executor }, options: side.options };
  };
  if (wanted !== undefined) {
    const match = kube.find((n) => n.name === wanted);
    if (match !== undefined) return target(match);
    const other = names.find((n) => n.name === wanted);
    const why = other !== undefined ? `is a ${other.className}, not a KubernetesExecutor or a hybrid with a Kubernetes side` : "is not an entry of [core] executor";
    throw new SwitchyardError("NOT_A_KUBERNETES_EXECUTOR", `--executor ${JSON.stringify(wanted)} ${why}; KubernetesExecutors configured: ${listed}`);
  }
  if (kube.length === 0) {
    throw new SwitchyardError(
      "NO_KUBERNETES_EXECUTOR",
      `[core] executor = ${JSON.stringify(config.core.executor.join(","))} has no KubernetesExecutor; add one (e.g. executor = "LocalExecutor,k8s:KubernetesExecutor") with its [executors.k8s] section`,
    );
  }
  return target(kube.find((n) => preferred !== null && (n.name === preferred || n.raw === preferred)) ?? kube[0]!);
}
