import type { TriggerRule } from "../../src/common/states.js";

/** Upstream situations and what each trigger rule makes of them: Airflow's semantics, end state of the downstream TI. */
export const SITUATIONS = {
  success_failed: ["success", "failed"],
  success_skipped: ["success", "skipped"],
  success_success: ["success", "success"],
  failed: ["failed"],
  skipped: ["skipped"],
} as const;
export type Situation = keyof typeof SITUATIONS;

export const EXPECTED: Record<TriggerRule, Record<Situation, string>> = {
  all_success: { success_failed: "upstream_failed", success_skipped: "skipped", success_success: "success", failed: "upstream_failed", skipped: "skipped" },
  all_failed: { success_failed: "skipped", success_skipped: "skipped", success_success: "skipped", failed: "success", skipped: "skipped" },
  all_done: { success_failed: "success", success_skipped: "success", success_success: "success", failed: "success", skipped: "success" },
  all_done_min_one_success: { success_failed: "success", success_skipped: "success", success_success: "success", failed: "upstream_failed", skipped: "skipped" },
  one_success: { success_failed: "success", success_skipped: "success", success_success: "success", failed: "upstream_failed", skipped: "skipped" },
  one_failed: { success_failed: "success", success_skipped: "skipped", success_success: "skipped", failed: "success", skipped: "skipped" },
  one_done: { success_failed: "success", success_skipped: "success", success_success: "success", failed: "success", skipped: "skipped" },
  none_failed: { success_failed: "upstream_failed", success_skipped: "success", success_success: "success", failed: "upstream_failed", skipped: "success" },
  none_failed_min_one_success: { success_failed: "upstream_failed", success_skipped: "success", success_success: "success", failed: "upstream_failed", skipped: "skipped" },
  none_skipped: { success_failed: "success", success_skipped: "skipped", success_success: "success", failed: "success", skipped: "skipped" },
  all_skipped: { success_failed: "skipped", success_skipped: "skipped", success_success: "skipped", failed: "skipped", skipped: "success" },
  always: { success_failed: "success", success_skipped: "success", success_success: "success", failed: "success", skipped: "success" },
};
