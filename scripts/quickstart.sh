#!/usr/bin/env bash
# Runs the example multi-executor DAG once, start to finish, on the embedded default
# (SQLite + LocalExecutor): no services needed. Prints each task's executor and state.
set -euo pipefail
cd "$(dirname "$0")/.."
export SWITCHYARD_HOME="${SWITCHYARD_HOME:-$PWD/examples/quickstart}"
sy() { node dist/cli/main.js "$@"; }

sy db init
sy pools set limited 2 "used by the example DAGs" > /dev/null
run_id="quickstart__$(date -u +%Y%m%dT%H%M%S)"
sy dags trigger multi_executor_demo --run-id "$run_id"
sy scheduler --exit-when-idle
echo
sy tasks states-for-dag-run multi_executor_demo "$run_id"
state="$(sy dags state multi_executor_demo "$run_id")"
echo
echo "DAG run $run_id of multi_executor_demo: $state"
echo "Try next: SWITCHYARD_HOME=$SWITCHYARD_HOME node dist/cli/main.js dags explain-routing multi_executor_demo"
[ "$state" = "success" ]
