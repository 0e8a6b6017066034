/**
 * Retries and trigger rules in one run.
 *
 * Expected outcome of a run:
 *   flaky              failed on try 1, up_for_retry, success on try 2
 *   always_fails       failed (no retries)
 *   after_flaky        success          (none_failed: flaky ended in success)
 *   alert_on_failure   success          (one_failed: always_fails failed)
 *   cleanup            success          (all_done: runs whatever its upstreams ended in)
 *   publish            upstream_failed  (all_success, but always_fails failed)
 * and the DAG run ends `failed`, because a leaf task (publish) is upstream_failed, as in Airflow.
 */
import { chain, dag } from "@switchyard/core";

const demo = dag("retries_and_trigger_rules", { schedule: null, tags: ["example", "retries"] });

// tryNumber starts at 1: failing on the first try shows a retry without making the DAG flaky itself.
const flaky = demo.fn(
  "flaky",
  (ctx) => {
    if (ctx.tryNumber < 2) throw new Error(`transient failure on try ${ctx.tryNumber}`);
    return { recoveredOnTry: ctx.tryNumber };
  },
  // retryDelay is seconds; 1 keeps the demo quick (the default is 300).
  { retries: 1, retryDelay: 1 },
);

const alwaysFails = demo.bash("always_fails", "echo 'this step is broken' >&2; exit 1");

const afterFlaky = demo.bash("after_flaky", "echo flaky recovered", { triggerRule: "none_failed" });
const alertOnFailure = demo.bash("alert_on_failure", "echo 'something failed: alerting'", { triggerRule: "one_failed" });
const cleanup = demo.bash("cleanup", "echo cleaning up", { triggerRule: "all_done" });
const publish = demo.bash("publish", "echo publishing");

flaky.then(afterFlaky);
chain([flaky, alwaysFails], alertOnFailure);
chain([flaky, alwaysFails], cleanup);
alwaysFails.then(publish);

export default demo;
