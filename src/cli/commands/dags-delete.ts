import { Command } from "commander";
import { confirmOrRefuse } from "../confirm.js";
import { out, withStore } from "../context.js";

export function dagsDeleteCommand(): Command {
  return new Command("delete")
    .argument("<dag_id>")
    .description("delete a DAG's runs and task instances; its file stays, so the DAG reappears at the next parse")
    .option("-y, --yes", "do not ask for confirmation")
    .action(async (dagId: string, opts: { yes?: boolean }) => {
      const { deleteDagMetadata } = await import("../../store/queries/dags.js");
      await withStore(async ({ store }) => {
        if (!(await confirmOrRefuse(`Delete every run and task instance of ${dagId}?`, { yes: opts.yes === true, what: `delete DAG '${dagId}'` }))) {
          out("cancelled: nothing deleted");
          return;
        }
        const d = await deleteDagMetadata(store.db, dagId, { now: Date.now(), source: `cli:${process.pid}` });
        out(`deleted ${dagId}: ${d.runs} run(s), ${d.taskInstances} task instance(s), ${d.logRows} log record(s)`);
        out(`its file ${d.fileloc} is still there, so ${dagId} reappears at the next parse (scheduler, dags list); delete or move the file to remove the DAG for good`);
      });
    });
}
