import type { ExecutorName } from "../../config/executor-names.js";
import type { SwitchyardConfig } from "../../config/types.js";
import { compileHybridExecutorOptions, hybridOf, KUBERNETES_SIDE, sideName } from "./options.js";

/** Where an executor's options are, for a command that serves one side (a worker, `kubernetes …`) without loading executors. */
export interface SideSection {
  /** The name the executor compiles its options under: `<name>` itself, or `<hybrid>.<side>` for a hybrid's side. */
  readonly executor: string;
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * The section of the `sideClass` executor that the configured executor `name` stands for: its own
 * `[executors.<name>]` when it is that class, or, when it is a hybrid with that side, the side's
 * sub-table (validated as the hybrid validates it, so errors name the same keys).
 */
export function sideSection(config: SwitchyardConfig, names: readonly ExecutorName[], name: string, sideClass: string): SideSection {
  const raw = config.executors[name] ?? {};
  const entry = names.find((n) => n.name === name);
  const hybrid = entry !== undefined && entry.modulePath === null ? hybridOf(entry.className) : undefined;
  if (hybrid === undefined) return { executor: name, options: raw };
  const compiled = compileHybridExecutorOptions(raw, { executor: name, otherSide: hybrid.otherSide });
  if (sideClass === hybrid.otherClassName) return { executor: sideName(name, hybrid.otherSide), options: compiled.other };
  return { executor: sideName(name, KUBERNETES_SIDE), options: compiled.kubernetes };
}

/** How a configured hybrid routes: by name, its kubernetes_queue and its other side's sub-table name. */
export interface HybridRoute {
  readonly kubernetesQueue: string;
  readonly otherSide: string;
}

/** The routes of every hybrid in `[core] executor`, by executor name (for `dags explain-routing`). */
export function hybridRoutes(config: SwitchyardConfig, names: readonly ExecutorName[]): Map<string, HybridRoute> {
  const routes = new Map<string, HybridRoute>();
  for (const n of names) {
    const hybrid = n.modulePath === null ? hybridOf(n.className) : undefined;
    if (hybrid === undefined) continue;
    const compiled = compileHybridExecutorOptions(config.executors[n.name] ?? {}, { executor: n.name, otherSide: hybrid.otherSide });
    routes.set(n.name, { kubernetesQueue: compiled.kubernetesQueue, otherSide: hybrid.otherSide });
  }
  return routes;
}
