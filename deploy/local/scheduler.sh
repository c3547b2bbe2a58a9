#!/usr/bin/env bash
# The local suite's scheduled jobs, what the Kubernetes CronJobs run: the day's rescore of the
# whole portfolio after 00:05 UTC (scores move live with every signal, but their windows slide
# with the day even when nothing arrives), then the exception report after 02:30 UTC, its CSV in
# STATE_DIR. Each job's last day is kept in STATE_DIR, so a suite started late in the day runs
# what it missed, and a restart neither skips nor repeats a day. Runs until killed.
#   deploy/local/scheduler.sh FLYWHEELCTL STATE_DIR
set -uo pipefail
ctl=$1 state=$2
mkdir -p "$state"
ran() { [ "$(cat "$state/$1-day" 2>/dev/null)" = "$2" ]; }
while true; do
  today=$(date -u +%F)
  minute=$((10#$(date -u +%H%M)))
  if ! ran rescore "$today" && [ "$minute" -ge 5 ]; then
    echo "$(date -u +%FT%TZ) rescoring the portfolio as of $today"
    "$ctl" health rescore --as_of="$today" && echo "$today" >"$state/rescore-day"
  fi
  if ran rescore "$today" && ! ran report "$today" && [ "$minute" -ge 230 ]; then
    echo "$(date -u +%FT%TZ) exception report as of $today"
    "$ctl" report exceptions --as-of "$today" --shard 0/1 --format csv >"$state/exceptions-$today.csv" &&
      echo "$today" >"$state/report-day"
  fi
  sleep 60
done
