#!/usr/bin/env bash
# The body of every chaos task: task.sh <marks dir> <sleep ms> <mode>
#
# It holds an exclusive lock on <marks dir>/locks/<task>.lock for its whole life (the fd is
# inherited by the sleep, so even a try whose bash was killed keeps the lock until its last
# process is gone). A try that cannot take the lock at once writes an `overlap` line: two tries
# of the same task instance really ran at the same time. It then waits for the lock and goes on,
# so one overlap does not fail the task and muddle the rest of the run. Every try appends
#   start <task> <try> <ms> <pid>      when it holds the lock
#   end <task> <try> ok|fail <ms>      when its work is done (fail: a deliberate failure)
# to <marks dir>/events (one short write per line, O_APPEND, so lines never interleave).
#
# mode: ok      sleep, succeed
#       flaky   sleep, fail on try 1, succeed on later tries
#       doomed  sleep, fail on every try
set -u
dir=$1 ms=$2 mode=$3
t=$SWITCHYARD_TASK_ID n=$SWITCHYARD_TRY_NUMBER
exec 9>>"$dir/locks/$t.lock"
if ! flock -n 9; then
  echo "overlap $t $n $(date +%s%3N) $$" >>"$dir/events"
  flock 9
fi
echo "start $t $n $(date +%s%3N) $$" >>"$dir/events"
sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
if [ "$mode" = doomed ] || { [ "$mode" = flaky ] && [ "$n" = 1 ]; }; then
  echo "end $t $n fail $(date +%s%3N)" >>"$dir/events"
  exit 1
fi
echo "end $t $n ok $(date +%s%3N)" >>"$dir/events"
