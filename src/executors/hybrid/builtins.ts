import { builtinExecutor, type CompileBuiltinSettings } from "../../config/builtin-executors.js";
import type { ExecutorClass } from "../brand.js";
import { ExecutorNotAvailableError } from "../errors.js";
import { hybridExecutorClass } from "./hybrid-executor.js";
import { compileHybridExecutorOptions, HYBRID_EXECUTORS, KUBERNETES_SIDE, sideName, type HybridClassName } from "./options.js";

const KUBERNETES_EXECUTOR = "KubernetesExecutor";

/** A side's class, from the built-in table (the one list): a hybrid is its two built-ins, nothing else. */
async function sideClass(hybrid: string, className: string): Promise<ExecutorClass> {
  const entry = builtinExecutor(className);
  if (entry === undefined) {
    throw new ExecutorNotAvailableError(hybrid, `${hybrid} needs ${className}, which is not available in this build`);
  }
  return entry.loadClass();
}

/** The class the loader instantiates for a built-in hybrid. */
export async function loadHybridClass(className: HybridClassName): Promise<ExecutorClass> {
  const spec = HYBRID_EXECUTORS[className];
  const [otherClass, kubernetesClass] = await Promise.all([sideClass(className, spec.otherClassName), sideClass(className, KUBERNETES_EXECUTOR)]);
  return hybridExecutorClass({ className, otherSide: spec.otherSide, otherClass, otherClassName: spec.otherClassName, kubernetesClass });
}

/**
 * A hybrid's settings as `config get-value` shows them: `kubernetes_queue`, and each side's settings
 * (defaults filled in by that side's own compiler) under its sub-table's name.
 */
export async function hybridSettings(className: HybridClassName): Promise<CompileBuiltinSettings> {
  const spec = HYBRID_EXECUTORS[className];
  const settingsOf = async (side: string): Promise<CompileBuiltinSettings> => {
    const entry = builtinExecutor(side);
    // Without the side in this build its raw sub-table is all there is to show.
    return entry === undefined ? (raw) => ({ ...raw }) : entry.loadSettings();
  };
  const [otherSettings, kubernetesSettings] = await Promise.all([settingsOf(spec.otherClassName), settingsOf(KUBERNETES_EXECUTOR)]);
  return (raw, executor, config) => {
    const o = compileHybridExecutorOptions(raw, { executor, otherSide: spec.otherSide });
    return {
      kubernetes_queue: o.kubernetesQueue,
      [spec.otherSide]: otherSettings(o.other, sideName(executor, spec.otherSide), config),
      [KUBERNETES_SIDE]: kubernetesSettings(o.kubernetes, sideName(executor, KUBERNETES_SIDE), config),
    };
  };
}
